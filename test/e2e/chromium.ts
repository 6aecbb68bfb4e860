/**
 * Debian's Chromium (installed by setup.ts; never a Playwright-downloaded browser) driven by
 * playwright-core, headless, with a fresh profile that the caller deletes.
 */
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // a hidden/occluded headless tab may otherwise throttle timers and rendering
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
  '--disable-breakpad',
  '--disable-crash-reporter',
];

export interface Browser {
  context: BrowserContext;
  page: Page;
}

export async function launchChromium(executablePath: string, profileDir: string): Promise<Browser> {
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath,
    // its crash reporter would otherwise write under ~/.config/chromium
    env: { ...process.env, XDG_CONFIG_HOME: `${profileDir}-config`, XDG_CACHE_HOME: `${profileDir}-cache` } as Record<string, string>,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    timeout: 60_000,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}
