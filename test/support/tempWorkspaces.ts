import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Temporary workspace folders for a test file: `create` writes files under a fresh one, `removeAll` (in after()) deletes them all. */
export function tempWorkspaces(prefix: string) {
  const roots: string[] = [];
  return {
    /** A fresh empty folder, removed with the others. */
    folder(suffix = ''): string {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}${suffix}`));
      roots.push(root);
      return root;
    },
    /** A fresh folder holding `files` (paths relative to it, folders created); returns its path. */
    create(files: Record<string, string>): string {
      const root = this.folder();
      for (const [name, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
        fs.writeFileSync(path.join(root, name), text);
      }
      return root;
    },
    removeAll(): void {
      for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
