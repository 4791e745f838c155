import QRCode from 'qrcode';

/**
 * A QR code as SVG, drawn on the server (the qrcode package): two paths with fill and stroke presentation
 * attributes, no style attribute and no script, so the strict CSP needs no change. Black on white whatever the
 * theme, which is what cameras read best.
 */
export async function qrCodeSvg(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
  // The package writes a bare <svg>: it is decorative beside the key written out as text, so screen readers skip it.
  return svg.replace('<svg ', '<svg class="qr__svg" aria-hidden="true" focusable="false" ');
}
