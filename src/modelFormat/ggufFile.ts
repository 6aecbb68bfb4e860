import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError } from '../shared/errors';

/**
 * The GGUF file a model path names: the path itself when it is a `.gguf` file, or the one
 * `.gguf` a folder holds (LM Studio and Ollama-style downloads; vision projectors `mmproj-*`
 * set aside). Undefined when the path is not a GGUF model (an ONNX folder, say).
 */
export function findGgufFile(modelPath: string): string | undefined {
  const abs = path.resolve(modelPath);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch {
    return undefined;
  }
  if (stat.isFile()) return abs.toLowerCase().endsWith('.gguf') ? abs : undefined;
  if (!stat.isDirectory()) return undefined;
  const ggufs = fs.readdirSync(abs).filter((f) => f.toLowerCase().endsWith('.gguf') && !f.toLowerCase().startsWith('mmproj')).sort();
  if (ggufs.length === 0) return undefined;
  if (ggufs.length > 1) {
    throw new EngineError('model-folder-missing', `${abs} holds ${ggufs.length} GGUF files (${ggufs.join(', ')}): choose the file itself as the model.`, abs);
  }
  return path.join(abs, ggufs[0]);
}

/** Refuses a file that does not start as a GGUF model does: the magic `GGUF` and a version llama.cpp reads (2 or 3). */
export function checkGgufHeader(file: string): void {
  const header = Buffer.alloc(8);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, header, 0, 8, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (header.toString('latin1', 0, 4) !== 'GGUF') throw new EngineError('graph-invalid', `${file} is not a GGUF file (it does not start with "GGUF").`, file);
  const version = header.readUInt32LE(4);
  if (version < 2 || version > 3) throw new EngineError('graph-invalid', `${file} is GGUF version ${version}; llama.cpp reads versions 2 and 3.`, file);
}
