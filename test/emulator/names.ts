/** Names the emulator tests run through every route: one per script, and spaces where services allow them. */
import assert from 'node:assert/strict';

export const NAMES = [
  'Crème brûlée à la carte.txt',
  'Ελληνικά αρχεία.txt',
  'Кириллица файл.txt',
  '漢字かなカナ 한국어.txt',
  '😀 emoji 𝄞 astral 🇫🇷.txt',
  'مرحبا بالعالم.txt',
  'שלום עולם.txt',
  ' leading space.txt',
  '  two  leading   and inner spaces.txt',
  "quote \" backslash-free; semicolon, percent % and 'apostrophe' (1).txt",
];

/** The name a Content-Disposition carries, from its RFC 5987 `filename*`; checks the ASCII fallback too. */
export function dispositionName(header: string | null): string {
  assert.ok(header, 'a Content-Disposition header');
  assert.match(header, /^attachment; filename="[\x20-\x7e]*"; filename\*=UTF-8''[A-Za-z0-9%!#$&+\-.^_`|~]+$/);
  const fallback = /filename="([^"]*)"/.exec(header)![1]!;
  assert.doesNotMatch(fallback, /["\\]/);
  return decodeURIComponent(/filename\*=UTF-8''(\S+)$/.exec(header)![1]!);
}
