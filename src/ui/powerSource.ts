import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

export type PowerSource = 'ac' | 'battery' | 'unknown';

const SUPPLIES = '/sys/class/power_supply';

/**
 * Whether the machine runs on battery, read the way each OS exposes it: sysfs on Linux,
 * `pmset` on macOS, WMI on Windows. Unknown (a desktop, a container) counts as mains power.
 */
export async function powerSource(platform = process.platform, supplies = SUPPLIES): Promise<PowerSource> {
  try {
    if (platform === 'linux') return await linuxPowerSource(supplies);
    if (platform === 'darwin') return /Battery Power/.test(await run('pmset', ['-g', 'batt'])) ? 'battery' : 'ac';
    if (platform === 'win32') {
      // BatteryStatus 1 = discharging; 2 = on AC. No battery: empty output.
      const status = (await run('powershell.exe', ['-NoProfile', '-Command', '(Get-CimInstance Win32_Battery).BatteryStatus'])).trim();
      return status === '' ? 'unknown' : status === '1' ? 'battery' : 'ac';
    }
  } catch {
    // No way to tell: treat as mains power.
  }
  return 'unknown';
}

async function linuxPowerSource(supplies: string): Promise<PowerSource> {
  let sawBattery = false;
  for (const name of await fs.readdir(supplies)) {
    const read = (file: string) => fs.readFile(path.join(supplies, name, file), 'utf8').then((s) => s.trim(), () => '');
    const type = await read('type');
    if (type === 'Mains' && (await read('online')) === '1') return 'ac';
    if (type === 'Battery') {
      sawBattery = true;
      if ((await read('status')) === 'Discharging') return 'battery';
    }
  }
  return sawBattery ? 'ac' : 'unknown';
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(command, args, { timeout: 5000, windowsHide: true }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );
}
