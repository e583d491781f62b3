// Reading a FINESS file: where a decoding problem lies (line and field) when the bytes cannot be read as text.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { ImportError } from './errors.js';
import { GEOLOCATION_FIELDS, STRUCTURE_FIELDS } from './finess-layout.js';
import { readSource, type SourceText } from './source.js';
import type { CommonImportOptions } from './types.js';
/** Field name at 0-based position `i` of a partial record (for locating a decoding problem). */
function fieldAt(partialLine: string, i: number): string {
  const type = partialLine.split(';', 1)[0];
  if (type === 'structureet') return STRUCTURE_FIELDS[i] ?? `field ${i + 1}`;
  if (type === 'geolocalisation') return GEOLOCATION_FIELDS[Math.min(i, 4)] ?? 'sourcecoordet';
  if (type === 'finess') return 'header';
  return `field ${i + 1}`;
}

/** Line (1-based) and field where byte `offset` of `bytes` lies. */
function locate(bytes: Buffer, offset: number): { line: number; field: string } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  const partial = bytes.subarray(lineStart, offset).toString('latin1');
  return { line, field: fieldAt(partial, partial.split(';').length - 1) };
}

/** Offset of the first byte that cannot start or continue a UTF-8 sequence, or -1. */
function firstInvalidUtf8(b: Buffer): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    const n = c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (i + k >= b.length || (b[i + k]! & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return -1;
}

/**
 * readSource, with the place of the problem when the bytes cannot be decoded: a truncated gzip stream is
 * decompressed as far as it goes to tell at which line and field the data stops, and the first byte that is
 * not UTF-8 in a file declared UTF-8 is located by line and field.
 */
export async function readFinessSource(path: string, encoding: CommonImportOptions['encoding'] = 'auto'): Promise<SourceText> {
  try {
    return await readSource(path, encoding);
  } catch (e) {
    if (!(e instanceof ImportError)) throw e;
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch {
      throw e;
    }
    const file = basename(path);
    let raw = bytes;
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      try {
        gunzipSync(bytes);
      } catch (gz) {
        let partial: Buffer;
        try {
          partial = gunzipSync(bytes, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
        } catch {
          throw e;
        }
        const at = locate(partial, partial.length);
        throw new ImportError([
          {
            file,
            line: at.line,
            field: at.field,
            message: `the gzip stream ends unexpectedly (${(gz as Error).message}): the file is truncated, its data stops inside this line`,
          },
        ]);
      }
      raw = gunzipSync(bytes);
    }
    if (encoding === 'utf-8') {
      const off = firstInvalidUtf8(raw);
      if (off >= 0) {
        const at = locate(raw, off);
        throw new ImportError([
          {
            file,
            line: at.line,
            field: at.field,
            message: `byte 0x${raw[off]!.toString(16).toUpperCase()} is not valid UTF-8: the file was declared UTF-8 but is not (a latin-1 file? import it with encoding latin1 or auto)`,
          },
        ]);
      }
    }
    throw e;
  }
}

