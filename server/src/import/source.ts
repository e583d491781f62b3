import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ImportError } from './errors.js';
import { checkBytes, checkText } from './plausibility.js';

/** A file as read for an import: decoded text plus what the import log records. */
export interface SourceText {
  fileName: string;
  text: string;
  checksum: string;
  encoding: 'utf-8' | 'latin1';
}

/**
 * Decodes an input file's bytes: gunzips when gzip-compressed (by magic number, whatever the name),
 * refuses UTF-16 and NUL bytes (with their line), strips a UTF-8 BOM, and falls back to latin-1 (ISO-8859-1 / Windows-1252) when the bytes are not valid UTF-8.
 */
export function decodeSource(bytes: Buffer, fileName: string, encoding: 'auto' | 'utf-8' | 'latin1' = 'auto'): SourceText {
  const checksum = createHash('sha256').update(bytes).digest('hex');
  let raw = bytes;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      raw = gunzipSync(bytes);
    } catch (e) {
      throw new ImportError([{ file: fileName, message: `not a complete gzip file (${(e as Error).message}); the file may be truncated` }]);
    }
  }
  const badBytes = checkBytes(raw);
  if (badBytes) throw new ImportError([{ file: fileName, ...badBytes }]);
  let enc: 'utf-8' | 'latin1' = encoding === 'latin1' ? 'latin1' : 'utf-8';
  if (encoding === 'auto' && !isUtf8(raw)) enc = 'latin1';
  if (encoding === 'utf-8' && !isUtf8(raw)) {
    throw new ImportError([{ file: fileName, message: 'the file is not valid UTF-8 (use --encoding latin1 for a latin-1 file)' }]);
  }
  // Latin-1 files are read as Windows-1252 (its superset used by Windows tools: €, œ, curly quotes in 0x80–0x9F).
  let text = enc === 'utf-8' ? raw.toString('utf8') : new TextDecoder('windows-1252').decode(raw);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const badText = checkText(text);
  if (badText) throw new ImportError([{ file: fileName, ...badText }]);
  return { fileName, text, checksum, encoding: enc };
}

export async function readSource(path: string, encoding: 'auto' | 'utf-8' | 'latin1' = 'auto'): Promise<SourceText> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new ImportError([{ file: path, message: `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` }]);
  }
  return decodeSource(bytes, basename(path), encoding);
}

function isUtf8(b: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}
