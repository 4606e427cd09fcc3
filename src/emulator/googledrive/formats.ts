import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { encodeJpeg } from '../core/images/jpeg.js';
import { encodePng } from '../core/images/png.js';
import { solidImage } from '../core/images/raster.js';
// The stored-ZIP writer the Dropbox emulator built for download_zip; one writer for both.
import { planZip } from '../dropbox/zip.js';

/**
 * Google-native formats: what each exports to (about.exportFormats), what converts into them
 * (about.importFormats), and the export bytes. The emulator keeps a Google document as plain text (Docs,
 * Slides: paragraphs; Sheets: CSV) and renders each export format from it as a small but real file:
 * UTF-8 text, HTML, a valid PDF, OOXML and OpenDocument ZIP packages, RTF, EPUB, PNG/JPEG/SVG.
 */

const G = 'application/vnd.google-apps.';
export const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const PPTX = 'application/vnd.openxmlformats-officedocument.presentationml.presentation';
const ODT = 'application/vnd.oasis.opendocument.text';
const ODS = 'application/vnd.oasis.opendocument.spreadsheet';
const ODS_OLD = 'application/x-vnd.oasis.opendocument.spreadsheet';
const ODP = 'application/vnd.oasis.opendocument.presentation';

export const EXPORT_FORMATS: Record<string, string[]> = {
  [`${G}document`]: [
    'application/rtf',
    ODT,
    'text/html',
    'application/pdf',
    'text/markdown',
    'application/epub+zip',
    'application/zip',
    DOCX,
    'text/plain',
  ],
  [`${G}spreadsheet`]: [
    ODS_OLD,
    'text/tab-separated-values',
    'application/pdf',
    XLSX,
    'text/csv',
    'application/zip',
    ODS,
  ],
  [`${G}presentation`]: [ODP, 'application/pdf', PPTX, 'text/plain'],
  [`${G}drawing`]: ['image/svg+xml', 'image/png', 'application/pdf', 'image/jpeg'],
  [`${G}script`]: [`${G}script+json`],
  [`${G}form`]: ['application/zip'],
  [`${G}jam`]: ['application/pdf'],
  [`${G}site`]: ['text/plain'],
};

const toDoc = [`${G}document`];
const toSheet = [`${G}spreadsheet`];
const toSlides = [`${G}presentation`];
export const IMPORT_FORMATS: Record<string, string[]> = {
  'text/plain': toDoc,
  'text/html': toDoc,
  'text/markdown': toDoc,
  'text/richtext': toDoc,
  'application/rtf': toDoc,
  'text/rtf': toDoc,
  'application/msword': toDoc,
  [DOCX]: toDoc,
  [ODT]: toDoc,
  'application/x-vnd.oasis.opendocument.text': toDoc,
  'application/pdf': toDoc,
  'image/png': toDoc,
  'image/jpeg': toDoc,
  'image/gif': toDoc,
  'image/bmp': toDoc,
  'text/csv': toSheet,
  'text/tab-separated-values': toSheet,
  'text/comma-separated-values': toSheet,
  'application/vnd.ms-excel': toSheet,
  [XLSX]: toSheet,
  [ODS]: toSheet,
  [ODS_OLD]: toSheet,
  'application/vnd.ms-powerpoint': toSlides,
  [PPTX]: toSlides,
  [ODP]: toSlides,
  'application/x-vnd.oasis.opendocument.presentation': toSlides,
  'application/x-msmetafile': [`${G}drawing`],
  [`${G}script+json`]: [`${G}script`],
};

export const MAX_IMPORT_SIZES: Record<string, number> = {
  [`${G}document`]: 10_485_760,
  [`${G}spreadsheet`]: 104_857_600,
  [`${G}presentation`]: 104_857_600,
  [`${G}drawing`]: 2_097_152,
};

/** The text a conversion keeps of an upload (markup and binary formats are reduced to their text). */
export function importText(bytes: Buffer, sourceMime: string): string {
  const base = sourceMime.split(';')[0]!.trim().toLowerCase();
  const text = bytes.toString('utf8').replace(/^\ufeff/, '');
  if (base === 'text/html') return stripTags(text);
  if (base === 'text/tab-separated-values')
    return text
      .split(/\r?\n/)
      .map((line) => line.split('\t').map(csvCell).join(','))
      .join('\n');
  if (base.startsWith('text/') || base === 'application/rtf' || base.endsWith('+json')) return text;
  // Office files, PDFs and images: their text extraction is beyond an emulator; the document starts empty.
  return '';
}

/** Removes tags in one pass (no regular expression on the text). */
function stripTags(html: string): string {
  let out = '';
  let inTag = false;
  for (const c of html) {
    if (c === '<') inTag = true;
    else if (c === '>') inTag = false;
    else if (!inTag) out += c;
  }
  return out
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&')
    .trim();
}

function csvCell(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** Splits CSV text into rows of cells (quoted cells, doubled quotes), in one pass. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

const xml = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

async function zip(entries: Array<[string, string | Buffer]>): Promise<Buffer> {
  const modified = Date.UTC(2024, 0, 1);
  const plan = planZip(
    entries.map(([name, data]) => {
      const bytes = Buffer.from(data);
      return { name, size: bytes.length, crc32: crc32(bytes), modified, open: () => Readable.from([bytes]) };
    }),
  );
  const chunks: Buffer[] = [];
  for await (const c of plan.stream()) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A one-page (or more) PDF 1.4 with the lines in Helvetica; offsets in the xref table are exact. */
export function pdf(lines: string[]): Buffer {
  const esc = (s: string) =>
    s
      .replaceAll('\\', '\\\\')
      .replaceAll('(', '\\(')
      .replaceAll(')', '\\)')
      .replace(/[^\x20-\x7e]/g, '?');
  const perPage = 50;
  const pages: string[][] = [];
  for (let i = 0; i < Math.max(lines.length, 1); i += perPage) pages.push(lines.slice(i, i + perPage));
  const objects: string[] = [];
  const pageIds = pages.map((_, i) => 4 + i * 2);
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`;
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';
  pages.forEach((page, i) => {
    const text = page.map((l, n) => `${n === 0 ? '' : 'T* '}(${esc(l)}) Tj`).join('\n');
    const stream = `BT /F1 12 Tf 14 TL 72 720 Td\n${text}\nET`;
    objects[pageIds[i]!] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${pageIds[i]! + 1} 0 R >>`;
    objects[pageIds[i]! + 1] = `<< /Length ${Buffer.byteLength(stream)} >>\nstream\n${stream}\nendstream`;
  });
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = Buffer.byteLength(out);
    out += `${id} 0 obj\n${objects[id]}\nendobj\n`;
  }
  const xrefAt = Buffer.byteLength(out);
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id++) out += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

function paragraphs(text: string): string[] {
  return text.split(/\r?\n/);
}

function html(title: string, text: string): string {
  const body = paragraphs(text)
    .map((p) => `<p>${xml(p)}</p>`)
    .join('');
  return `<html><head><meta content="text/html; charset=UTF-8" http-equiv="content-type"><title>${xml(title)}</title></head><body>${body}</body></html>`;
}

function sheetHtml(title: string, rows: string[][]): string {
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${xml(c)}</td>`).join('')}</tr>`).join('');
  return `<html><head><meta charset="UTF-8"><title>${xml(title)}</title></head><body><table>${body}</table></body></html>`;
}

const OOXML_RELS = (target: string, type: string) =>
  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/${type}" Target="${target}"/></Relationships>`;

function contentTypes(overrides: Array<[string, string]>): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>${overrides
    .map(([part, type]) => `<Override PartName="${part}" ContentType="${type}"/>`)
    .join('')}</Types>`;
}

function docx(text: string): Promise<Buffer> {
  const body = paragraphs(text)
    .map((p) => `<w:p><w:r><w:t xml:space="preserve">${xml(p)}</w:t></w:r></w:p>`)
    .join('');
  return zip([
    [
      '[Content_Types].xml',
      contentTypes([
        [
          '/word/document.xml',
          'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml',
        ],
      ]),
    ],
    ['_rels/.rels', OOXML_RELS('word/document.xml', 'officeDocument')],
    [
      'word/document.xml',
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`,
    ],
  ]);
}

function columnName(i: number): string {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

function xlsx(rows: string[][]): Promise<Buffer> {
  const data = rows
    .map(
      (r, y) =>
        `<row r="${y + 1}">${r
          .map((c, x) => `<c r="${columnName(x)}${y + 1}" t="inlineStr"><is><t>${xml(c)}</t></is></c>`)
          .join('')}</row>`,
    )
    .join('');
  const ns = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
  const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  return zip([
    [
      '[Content_Types].xml',
      contentTypes([
        ['/xl/workbook.xml', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml'],
        [
          '/xl/worksheets/sheet1.xml',
          'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml',
        ],
      ]),
    ],
    ['_rels/.rels', OOXML_RELS('xl/workbook.xml', 'officeDocument')],
    [
      'xl/workbook.xml',
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="${ns}" xmlns:r="${rel}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    ],
    ['xl/_rels/workbook.xml.rels', OOXML_RELS('worksheets/sheet1.xml', 'worksheet')],
    [
      'xl/worksheets/sheet1.xml',
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="${ns}"><sheetData>${data}</sheetData></worksheet>`,
    ],
  ]);
}

function pptx(text: string): Promise<Buffer> {
  const p = 'http://schemas.openxmlformats.org/presentationml/2006/main';
  const a = 'http://schemas.openxmlformats.org/drawingml/2006/main';
  const r = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  const paras = paragraphs(text)
    .map((line) => `<a:p><a:r><a:t>${xml(line)}</a:t></a:r></a:p>`)
    .join('');
  return zip([
    [
      '[Content_Types].xml',
      contentTypes([
        [
          '/ppt/presentation.xml',
          'application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml',
        ],
        ['/ppt/slides/slide1.xml', 'application/vnd.openxmlformats-officedocument.presentationml.slide+xml'],
      ]),
    ],
    ['_rels/.rels', OOXML_RELS('ppt/presentation.xml', 'officeDocument')],
    [
      'ppt/presentation.xml',
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<p:presentation xmlns:p="${p}" xmlns:r="${r}"><p:sldIdLst><p:sldId id="256" r:id="rId1"/></p:sldIdLst><p:sldSz cx="9144000" cy="5143500"/></p:presentation>`,
    ],
    ['ppt/_rels/presentation.xml.rels', OOXML_RELS('slides/slide1.xml', 'slide')],
    [
      'ppt/slides/slide1.xml',
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<p:sld xmlns:p="${p}" xmlns:a="${a}"><p:cSld><p:spTree><p:sp><p:txBody><a:bodyPr/>${paras}</p:txBody></p:sp></p:spTree></p:cSld></p:sld>`,
    ],
  ]);
}

function openDocument(mime: string, body: string): Promise<Buffer> {
  return zip([
    ['mimetype', mime],
    [
      'META-INF/manifest.xml',
      `<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="${mime}"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>`,
    ],
    [
      'content.xml',
      `<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" office:version="1.2"><office:body>${body}</office:body></office:document-content>`,
    ],
  ]);
}

function epub(title: string, text: string): Promise<Buffer> {
  const chapter = `<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head><title>${xml(title)}</title></head><body>${paragraphs(
    text,
  )
    .map((p) => `<p>${xml(p)}</p>`)
    .join('')}</body></html>`;
  return zip([
    ['mimetype', 'application/epub+zip'],
    [
      'META-INF/container.xml',
      '<?xml version="1.0"?>\n<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>',
    ],
    [
      'OEBPS/content.opf',
      `<?xml version="1.0" encoding="UTF-8"?>\n<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">urn:emulator:${xml(title)}</dc:identifier><dc:title>${xml(title)}</dc:title><dc:language>en</dc:language></metadata><manifest><item id="c1" href="chapter1.xhtml" media-type="application/xhtml+xml"/></manifest><spine><itemref idref="c1"/></spine></package>`,
    ],
    ['OEBPS/chapter1.xhtml', chapter],
  ]);
}

function rtf(text: string): string {
  const esc = (s: string) =>
    [...s]
      .map((c) => {
        if (c === '\\' || c === '{' || c === '}') return `\\${c}`;
        const code = c.codePointAt(0)!;
        return code > 127 ? `\\u${code > 32767 ? code - 65536 : code}?` : c;
      })
      .join('');
  return `{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Arial;}}\n${paragraphs(text)
    .map((p) => `{\\pard ${esc(p)}\\par}`)
    .join('\n')}\n}`;
}

const BOM = '\ufeff';

/** The bytes of a Google document exported as `target`; undefined when the pair is not in EXPORT_FORMATS. */
export async function exportDocument(
  nativeMime: string,
  title: string,
  text: string,
  target: string,
): Promise<Buffer | undefined> {
  if (!EXPORT_FORMATS[nativeMime]?.includes(target)) return undefined;
  const kind = nativeMime.slice(G.length);
  const lines = paragraphs(text);
  if (kind === 'spreadsheet') {
    const rows = parseCsv(text);
    switch (target) {
      case 'text/csv':
        return Buffer.from(rows.map((r) => r.map(csvCell).join(',')).join('\n'));
      case 'text/tab-separated-values':
        return Buffer.from(rows.map((r) => r.join('\t')).join('\n'));
      case XLSX:
        return xlsx(rows);
      case ODS:
      case ODS_OLD:
        return openDocument(
          ODS,
          `<office:spreadsheet><table:table table:name="Sheet1">${rows
            .map(
              (r) =>
                `<table:table-row>${r.map((c) => `<table:table-cell><text:p>${xml(c)}</text:p></table:table-cell>`).join('')}</table:table-row>`,
            )
            .join('')}</table:table></office:spreadsheet>`,
        );
      case 'application/pdf':
        return pdf(rows.map((r) => r.join('  ')));
      case 'application/zip':
        return zip([[`${title}.html`, sheetHtml(title, rows)]]);
    }
  }
  if (kind === 'drawing') {
    switch (target) {
      case 'image/png':
        return encodePng(solidImage(64, 48, [255, 255, 255]));
      case 'image/jpeg':
        return encodeJpeg(solidImage(64, 48, [255, 255, 255]));
      case 'image/svg+xml':
        return Buffer.from(
          `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480"><title>${xml(title)}</title>${lines
            .map((l, i) => `<text x="10" y="${20 + i * 16}">${xml(l)}</text>`)
            .join('')}</svg>`,
        );
      case 'application/pdf':
        return pdf(lines);
    }
  }
  switch (target) {
    case 'text/plain':
      return Buffer.from(BOM + text);
    case 'text/markdown':
      return Buffer.from(text);
    case 'text/html':
      return Buffer.from(html(title, text));
    case 'application/pdf':
      return pdf(lines);
    case 'application/rtf':
      return Buffer.from(rtf(text));
    case DOCX:
      return docx(text);
    case PPTX:
      return pptx(text);
    case ODT:
      return openDocument(
        ODT,
        `<office:text>${lines.map((p) => `<text:p>${xml(p)}</text:p>`).join('')}</office:text>`,
      );
    case ODP:
      return openDocument(
        ODP,
        `<office:presentation><draw:page draw:name="Slide1">${lines.map((p) => `<text:p>${xml(p)}</text:p>`).join('')}</draw:page></office:presentation>`,
      );
    case 'application/epub+zip':
      return epub(title, text);
    case 'application/zip':
      return zip([[`${title}.html`, html(title, text)]]);
    case `${G}script+json`:
      return Buffer.from(JSON.stringify({ files: [{ name: 'Code', type: 'server_js', source: text }] }));
  }
  return Buffer.from(text);
}

/** The extension Drive gives an export of each type (for NormalizedFileName-style names). */
export function exportExtension(mime: string): string | undefined {
  return (
    {
      'text/plain': 'txt',
      'text/html': 'html',
      'application/pdf': 'pdf',
      [DOCX]: 'docx',
      [XLSX]: 'xlsx',
      [PPTX]: 'pptx',
      'text/csv': 'csv',
    } as Record<string, string>
  )[mime];
}

const BY_EXTENSION: Record<string, string> = {
  txt: 'text/plain',
  md: 'text/markdown',
  html: 'text/html',
  htm: 'text/html',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  json: 'application/json',
  xml: 'text/xml',
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  zip: 'application/zip',
  gz: 'application/gzip',
  mp3: 'audio/mpeg',
  mp4: 'video/mp4',
  docx: DOCX,
  xlsx: XLSX,
  pptx: PPTX,
  odt: ODT,
  ods: ODS,
  odp: ODP,
  rtf: 'application/rtf',
  js: 'text/javascript',
};

/** The type Drive detects for content sent without one (or as application/octet-stream), from the name. */
export function detectMimeType(name: string, given: string | undefined): string {
  const base = given?.split(';')[0]?.trim();
  if (base && base !== 'application/octet-stream') return base;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  return BY_EXTENSION[ext] ?? 'application/octet-stream';
}
