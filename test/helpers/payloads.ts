/** Script and markup an attacker types into any text field, each of which must come back as plain text. */
export const XSS_PAYLOADS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'><svg onload=alert(1)>",
  '</td></tr></table><script>alert(1)</script>',
  '<a href="javascript:alert(1)">click</a>',
  '<%= process.exit() %>',
];
