/**
 * Writes a zip for tests without holding its unpacked contents: each entry's bytes come in
 * chunks (a 200 MiB entry of zeros is one 1 MiB buffer given 200 times), deflated by Node's
 * zlib (level 9 unless given) as they come, so only the compressed data is held. `statedSize` makes an entry lie
 * about its unpacked size, as a crafted zip can.
 */
import { writeFile } from "node:fs/promises";
import { crc32, createDeflateRaw } from "node:zlib";

export type ZipEntrySpec = { name: string; chunks: Iterable<Uint8Array>; statedSize?: number; level?: number };

/** `count` chunks of `bytes` zeros, one buffer reused. */
export function* zeros(count: number, bytes = 1024 * 1024): Iterable<Uint8Array> {
  const chunk = new Uint8Array(bytes);
  for (let i = 0; i < count; i++) yield chunk;
}

async function deflate(chunks: Iterable<Uint8Array>, level = 9): Promise<{ data: Buffer; crc: number; size: number }> {
  const deflater = createDeflateRaw({ level });
  const out: Buffer[] = [];
  deflater.on("data", (chunk: Buffer) => out.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    deflater.on("end", resolve);
    deflater.on("error", reject);
  });
  let crc = 0;
  let size = 0;
  for (const chunk of chunks) {
    crc = crc32(chunk, crc);
    size += chunk.length;
    if (!deflater.write(chunk)) await new Promise((resolve) => deflater.once("drain", resolve));
  }
  deflater.end();
  await ended;
  return { data: Buffer.concat(out), crc, size };
}

export async function writeZip(path: string, entries: readonly ZipEntrySpec[]): Promise<void> {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const { data, crc, size } = await deflate(entry.chunks, entry.level);
    const name = Buffer.from(entry.name, "utf8");
    const stated = entry.statedSize ?? size;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(stated, 22);
    local.writeUInt16LE(name.length, 26);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(0x0800, 8);
    header.writeUInt16LE(8, 10);
    header.writeUInt32LE(crc >>> 0, 16);
    header.writeUInt32LE(data.length, 20);
    header.writeUInt32LE(stated, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt32LE(offset, 42);
    central.push(header, name);
    parts.push(local, name, data);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  await writeFile(path, Buffer.concat([...parts, directory, end]));
}
