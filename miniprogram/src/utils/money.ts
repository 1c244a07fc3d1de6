// Money on the client is display only: every amount comes from the server in
// integer fen (1 yuan = 100 fen) and is formatted here, never turned into
// something that is charged. Integer arithmetic avoids 0.1 + 0.2 surprises.

/** 1280 → "¥12.80"; 5 → "¥0.05"; -5 → "-¥0.05". */
export function formatFen(fen: number): string {
  if (!Number.isFinite(fen)) return '¥--';
  const sign = fen < 0 ? '-' : '';
  const abs = Math.round(Math.abs(fen));
  const yuan = Math.floor(abs / 100);
  const cents = abs % 100;
  return `${sign}¥${yuan}.${cents < 10 ? '0' : ''}${cents}`;
}
