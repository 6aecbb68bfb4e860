import * as fs from 'node:fs';
import * as path from 'node:path';

/** MB of an ONNX graph and its external data files: what "RSS / model files" divides by. */
export function onnxFilesMB(onnxFile: string): number {
  const dir = path.dirname(onnxFile);
  const files = [onnxFile, ...fs.readdirSync(dir).filter((f) => f.startsWith(path.basename(onnxFile) + '_data')).map((f) => path.join(dir, f))];
  return files.reduce((n, f) => n + fs.statSync(f).size, 0) / 2 ** 20;
}
