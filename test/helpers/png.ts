/** Reads an 8-bit RGB or RGBA PNG (what Chromium's screenshots are) into pixels, for screenshot-level checks. */
import { inflateSync } from 'node:zlib';

export interface Image {
  readonly width: number;
  readonly height: number;
  /** RGBA, 4 bytes per pixel. */
  readonly pixels: Uint8Array;
}

export function readPng(file: Buffer): Image {
  if (!file.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) throw new Error('not a PNG');
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  for (let at = 8; at < file.length; ) {
    const length = file.readUInt32BE(at);
    const type = file.toString('latin1', at + 4, at + 8);
    const body = file.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      if (body[8] !== 8 || body[12] !== 0) throw new Error('only 8-bit, non-interlaced PNGs');
      channels = body[9] === 6 ? 4 : body[9] === 2 ? 3 : 0;
      if (channels === 0) throw new Error(`colour type ${body[9]} is not read here`);
    } else if (type === 'IDAT') data.push(body);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  const out = new Uint8Array(width * height * 4);
  let prev = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)] as number;
    const line = new Uint8Array(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? (line[i - channels] as number) : 0;
      const b = prev[i] as number;
      const c = i >= channels ? (prev[i - channels] as number) : 0;
      const predictor = filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : filter === 4 ? paeth(a, b, c) : 0;
      line[i] = ((line[i] as number) + predictor) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      out[o] = line[x * channels] as number;
      out[o + 1] = line[x * channels + 1] as number;
      out[o + 2] = line[x * channels + 2] as number;
      out[o + 3] = channels === 4 ? (line[x * channels + 3] as number) : 255;
    }
    prev = line;
  }
  return { width, height, pixels: out };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** A run of rows in which a colour appears, and the columns it spans there: a bar, a line, a swatch. */
export interface Band {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

/** The bands of a colour, top to bottom: consecutive rows holding it, each band as wide as its widest row reaches. */
export function colourBands(image: Image, hex: string, tolerance = 8): Band[] {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
  const bands: Band[] = [];
  let open: { top: number; left: number; right: number } | null = null;
  for (let y = 0; y < image.height; y++) {
    let left = -1;
    let right = -1;
    for (let x = 0; x < image.width; x++) {
      const o = (y * image.width + x) * 4;
      if (
        Math.abs((image.pixels[o] as number) - r) <= tolerance &&
        Math.abs((image.pixels[o + 1] as number) - g) <= tolerance &&
        Math.abs((image.pixels[o + 2] as number) - b) <= tolerance
      ) {
        if (left < 0) left = x;
        right = x;
      }
    }
    if (left >= 0) {
      open = open ? { top: open.top, left: Math.min(open.left, left), right: Math.max(open.right, right) } : { top: y, left, right };
    } else if (open) {
      bands.push({ ...open, bottom: y - 1 });
      open = null;
    }
  }
  if (open) bands.push({ ...open, bottom: image.height - 1 });
  return bands;
}
