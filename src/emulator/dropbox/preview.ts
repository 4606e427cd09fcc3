/**
 * get_preview output: Dropbox renders office documents to PDF and spreadsheets to HTML. The emulator
 * makes a small valid PDF (one page naming the file) and an HTML page (a table of the CSV's first rows,
 * or the file name), enough for clients that save or display previews.
 */
export const PDF_PREVIEW = new Set([
  'ai',
  'doc',
  'docm',
  'docx',
  'eps',
  'gdoc',
  'gslides',
  'odp',
  'odt',
  'pps',
  'ppsm',
  'ppsx',
  'ppt',
  'pptm',
  'pptx',
  'rtf',
]);
export const HTML_PREVIEW = new Set(['csv', 'ods', 'xls', 'xlsm', 'gsheet', 'xlsx']);

function pdfString(s: string): string {
  // Latin-1 text in a literal string; everything else becomes '?'.
  return s.replace(/[^\x20-\x7e]/g, '?').replace(/([\\()])/g, '\\$1');
}

export function pdfPreview(title: string): Buffer {
  const text = `BT /F1 18 Tf 72 720 Td (${pdfString(title)}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(text, 'latin1')} >>\nstream\n${text}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) body += `${String(o).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** An HTML preview; for CSV content (its first bytes) a table of the first rows. */
export function htmlPreview(title: string, csvHead?: string): Buffer {
  let table = '';
  if (csvHead !== undefined) {
    const rows = csvHead.split(/\r?\n/).filter(Boolean).slice(0, 100);
    table = `<table>${rows
      .map(
        (r) =>
          `<tr>${r
            .split(',')
            .map((c) => `<td>${escapeHtml(c)}</td>`)
            .join('')}</tr>`,
      )
      .join('')}</table>`;
  }
  const html = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${table}</body></html>`;
  return Buffer.from(html, 'utf8');
}
