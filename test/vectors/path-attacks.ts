/**
 * A corpus of hostile paths for tenant `acme` (VDN 53): each one tries to leave `/53/` (mostly for
 * `/54/`, another tenant's VDN) or to smuggle something the file server would read differently.
 * Every one must be denied. Built from the failure classes seen in peers: encoded and double-encoded
 * dot segments and slashes, overlong UTF-8, Unicode look-alikes, backslashes, UNC and device forms,
 * drive-letter tricks, NTFS streams, NUL and CR/LF, very long paths.
 */
const DOTS = [
  '.',
  '%2e',
  '%2E',
  '%252e',
  '%252E',
  '%c0%ae',
  '%C0%AE',
  '%e0%80%ae',
  '%c0%2e',
  '%f0%80%80%ae',
  '\uff0e',
  '\u3002',
  '\u2024',
  '%ef%bc%8e',
  '%u002e',
  '%uff0e',
  '\u00b7',
  '%e3%80%82',
];
const SLASHES = [
  '/',
  '\\',
  '%2f',
  '%2F',
  '%5c',
  '%5C',
  '%252f',
  '%255c',
  '%c0%af',
  '%e0%80%af',
  '%c1%9c',
  '\uff0f',
  '\uff3c',
  '\u2215',
  '\u2044',
  '%ef%bc%8f',
  '%u2215',
  '\u29f5',
];
const TAIL = '54/0/20261125/2001/5500001.V3';

export function pathAttacks(): string[] {
  const out = new Set<string>();
  // ../ to the other VDN, every encoding of the dot and the slash against each other.
  for (const d of DOTS) for (const s of SLASHES) out.add(`Y:/53/${d}${d}${s}${TAIL}`);
  // Mixed forms, deeper, and at the start.
  for (const d of ['.', '%2e', '%252e', '\uff0e']) {
    for (const s of ['/', '\\', '%2f', '%5c']) {
      out.add(`Y:/53/0/${d}${d}${s}${d}${d}${s}${TAIL}`);
      out.add(`/53/${d}${d}${s}${TAIL}`);
      out.add(`Y:${s}53${s}${d}${d}${s}${TAIL}`);
      out.add(`Y:/53/${d}${s}${d}${d}${s}${TAIL}`);
      out.add(`Y:/53/0${s}${d}${d}${s}${d}${d}${s}${TAIL}`);
    }
  }
  for (const p of [
    // Windows: UNC, device and long-path prefixes; drive-letter tricks; streams.
    '\\\\server\\share\\53\\0\\x.V3',
    '\\\\?\\Y:\\53\\0\\x.V3',
    '\\\\?\\UNC\\server\\53\\x.V3',
    '\\\\.\\Y:\\53\\x.V3',
    '\\\\.\\pipe\\53',
    '//server/share/53/x.V3',
    '//?/Y:/53/x.V3',
    '//./Y:/53/x.V3',
    '\\\\localhost\\c$\\53\\x.V3',
    '\\??\\Y:\\53\\x.V3',
    'Y:53/0/x.V3',
    'Y:..\\54\\x.V3',
    'Y:/53/0/x.V3::$DATA',
    'Y:/53:evil/x.V3',
    'Y:/53/x.V3:Zone.Identifier',
    'YY:/53/x.V3',
    '1:/53/x.V3',
    'Y::/53/x.V3',
    ':/53/x.V3',
    'Y:/53/0/x.V3:',
    'Y:/53/CON',
    'Y:/53/x*.V3',
    'Y:/53/x?.V3',
    'Y:/53/"x".V3',
    'Y:/53/x<y',
    'Y:/53/x>y',
    'Y:/53/x|y',
    // Not under the prefix, or only under a look-alike of it.
    '/54/0/x.V3',
    '/530/0/x.V3',
    '/5/3/x.V3',
    '/053/0/x.V3',
    '/53x/0/x.V3',
    '53/0/x.V3',
    '0/53/x.V3',
    '/ 53/0/x.V3',
    '/53 /0/x.V3',
    '/\uff15\uff13/0/x.V3',
    '/%35%33/../54/x.V3',
    '/53/',
    '/',
    'Y:/',
    'Y:',
    '',
    // Empty, dot and trimmed segments.
    '/53//54/x.V3',
    '//53/x.V3',
    '/53/./x.V3',
    '/53/x.V3/.',
    '/53/x.V3/..',
    '/53/../53/x.V3',
    '/53/.../54/x.V3',
    'Y:/53/.. /54/x.V3',
    'Y:/53/..%20/54/x.V3',
    'Y:/53/...%20/x.V3',
    'Y:/53/x.V3.',
    'Y:/53/x.V3 ',
    'Y:/53/ x.V3',
    'Y:/53/x.V3%20',
    'Y:/53/..%09/54/x.V3',
    'Y:/53/%20../54/x.V3',
    'Y:/53/..;/54/x.V3',
    // NUL, control characters, CR/LF (header and log injection).
    '/53/x%00.V3',
    '/53/x\u0000.V3',
    '/53/x%00/../../54/x.V3',
    '/53/x%0d%0a.V3',
    '/53/x\r\nHost: evil',
    '/53/x\nX: y',
    '/53/%0a/x.V3',
    '/53/x%09.V3',
    '/53/x\t.V3',
    '/53/x\u007f.V3',
    '/53/x%7f.V3',
    '/53/x\u0085.V3',
    '/53/x\u2028.V3',
    '/53/x%e2%80%a8.V3',
    '/53/x\u200b/../54/x.V3',
    '/53/\u202e3V.x',
    // Still encoded after the one decoding the contract allows.
    '/53/%252e%252e/54/x.V3',
    '/53/x%2500.V3',
    '/53/%25%32%65%25%32%65/54/x.V3',
    '/53/x%25.V3',
    '/53/%%32%65%%32%65/54/x.V3',
    '/53/%zz/x.V3',
    '/53/%/x.V3',
    // Query and fragment smuggling.
    '/53/x.V3?/../../54/x.V3',
    '/53/x.V3#/../../54/x.V3',
    '/53/x.V3%3f/../54/x.V3',
    '/53/x.V3%23/../54/x.V3',
    // Very long.
    `/53/${'a/'.repeat(130)}x.V3`, // over 259, the longest any operation allows
    `/53/${'a'.repeat(260)}`,
    `/53/${'../'.repeat(100)}54/x.V3`,
    `/53/${'%2e%2e%2f'.repeat(50)}54/x.V3`,
    `Y:/53/${'x'.repeat(4000)}`,
  ])
    out.add(p);
  return [...out];
}
