import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { powerSource } from '../../src/ui/powerSource';

/** A fake /sys/class/power_supply. */
function supplies(entries: Record<string, Record<string, string>>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slm-power-'));
  for (const [name, files] of Object.entries(entries)) {
    fs.mkdirSync(path.join(dir, name));
    for (const [file, value] of Object.entries(files)) fs.writeFileSync(path.join(dir, name, file), `${value}\n`);
  }
  return dir;
}

describe('powerSource on Linux', () => {
  it('is the battery when the battery discharges and the adapter is offline', async () => {
    assert.equal(await powerSource('linux', supplies({ AC: { type: 'Mains', online: '0' }, BAT0: { type: 'Battery', status: 'Discharging' } })), 'battery');
  });
  it('is mains power when the adapter is online', async () => {
    assert.equal(await powerSource('linux', supplies({ AC: { type: 'Mains', online: '1' }, BAT0: { type: 'Battery', status: 'Charging' } })), 'ac');
  });
  it('is unknown without any supply (desktops, containers)', async () => {
    assert.equal(await powerSource('linux', supplies({})), 'unknown');
    assert.equal(await powerSource('linux', '/nonexistent/power_supply'), 'unknown');
  });
});
