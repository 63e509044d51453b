import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_PATH_RULES, type PathRuleName } from '../../src/config/schema.js';
import { decidePath, expandRule, normalizePath, type PathKind } from '../../src/domain/path-rules.js';
import { compileTenantPolicy, coversVdns, policyWarnings } from '../../src/domain/tenant-policy.js';

interface Case {
  rule: PathRuleName;
  path: string;
  allow: boolean;
  kind?: PathKind;
  normalized?: string;
  repeat?: number;
}
const table = JSON.parse(readFileSync(new URL('../vectors/path-cases.json', import.meta.url), 'utf8')) as {
  vdnIds: number[];
  cases: Case[];
};

test('the case table is long enough to mean something', () => {
  assert.ok(table.cases.length >= 60, `${table.cases.length} cases`);
});

for (const c of table.cases) {
  const path = c.repeat ? c.path.replace('LONG', 'a'.repeat(c.repeat)) : c.path;
  test(`path ${c.rule}${c.kind === 'dir' ? ' (dir)' : ''} ${JSON.stringify(path).slice(0, 80)} -> ${c.allow ? 'allowed' : 'denied'}`, () => {
    const d = decidePath(path, expandRule(DEFAULT_PATH_RULES[c.rule], table.vdnIds), c.kind ?? 'file');
    assert.equal(d.allowed, c.allow, d.allowed ? 'was allowed' : d.reason);
    if (d.allowed && c.normalized) assert.equal(d.path, c.normalized);
  });
}

test('expandRule substitutes every VDN and drops trailing slashes', () => {
  assert.deepEqual(expandRule('/%VDNNO%/record/;/3rdfile/%VDNNO%/record/', [1, 2]), [
    '/1/record',
    '/2/record',
    '/3rdfile/1/record',
    '/3rdfile/2/record',
  ]);
  assert.deepEqual(expandRule(' /a ; ;/b/../c', [1]), ['/a']);
});

// Strings drawn from the characters that matter to paths, so that the generator finds tricks.
const pathChar = fc.constantFrom(
  '/',
  '\\',
  '.',
  '%',
  '2',
  'e',
  'E',
  'f',
  'F',
  '5',
  'c',
  'C',
  '3',
  ':',
  'Y',
  'y',
  'a',
  '0',
  '1',
  ' ',
  '\u0000',
  '\uff0e',
  '\uff0f',
  'r',
  'd',
);
const trickyPath = fc.oneof(
  fc.string({ unit: pathChar, maxLength: 40 }),
  fc
    .tuple(
      fc.constantFrom('Y:/53/', '/3rdfile/53/thirdvoicebotfile/', 'y:\\53\\', '/voice/53/IVRrecordFile/'),
      fc.string({ unit: pathChar, maxLength: 30 }),
    )
    .map(([a, b]) => a + b),
  fc.string({ maxLength: 60 }),
);

test("property: an allowed path never leaves the tenant's expanded prefixes", () => {
  const vdns = [53, 7];
  for (const rule of Object.keys(DEFAULT_PATH_RULES) as PathRuleName[]) {
    const prefixes = expandRule(DEFAULT_PATH_RULES[rule], vdns);
    fc.assert(
      fc.property(trickyPath, fc.constantFrom<PathKind>('file', 'dir'), (p, kind) => {
        const d = decidePath(p, prefixes, kind);
        if (!d.allowed) return true;
        const rest = d.path.replace(/^[A-Z]:/, '');
        // What a file server would resolve the path to is the path itself, and it is inside a prefix.
        assert.equal(posix.normalize(rest), rest);
        assert.ok(
          prefixes.some((pre) => rest === pre || rest.startsWith(`${pre}/`)),
          `${rest} escapes ${prefixes.join(';')}`,
        );
        assert.ok(!/[^\x20-\x7e]/.test(rest));
        return true;
      }),
      { numRuns: 3000 },
    );
  }
});

test('property: normalisation is idempotent', () => {
  fc.assert(
    fc.property(trickyPath, (p) => {
      const once = normalizePath(p);
      if (!once.ok) return true;
      const twice = normalizePath(once.path);
      assert.ok(twice.ok);
      assert.equal(twice.path, once.path);
      return true;
    }),
    { numRuns: 5000 },
  );
});

test("each operation's own length limit: 225 for a recording name, 259 (a Windows path) where none is documented", async () => {
  const { compileTenantPolicy, checkTenantPath } = await import('../../src/domain/tenant-policy.js');
  const tenant = compileTenantPolicy({
    id: 't',
    vdnIds: [53],
    pathRules: DEFAULT_PATH_RULES,
    limits: {
      uploadMaxBytes: 1,
      requestsPerSecond: 1,
      burst: 1,
      concurrentStreams: 1,
      playbackConcurrentStreams: 1,
      playbackStreamsPerId: 1,
      playbackRequestsPerSecondPerId: 1,
      playbackBurstPerId: 1,
      playbackRangeSkipMaxBytes: 1024 * 1024,
      playbackRangeSkipBytesPerMinutePerId: 1024 * 1024,
    },
  });
  const ofLength = (prefix: string, n: number) => `${prefix}${'a'.repeat(n - prefix.length - 4)}.wav`;
  const cases = [
    ['recordings', 'Y:/53/0/', 225],
    ['ivrDownload', 'Y:/voice/53/IVRrecordFile/', 259],
    ['agentRecordings', 'Y:/53/0/', 259],
    ['agentMessageRecordings', 'Y:/53/record/', 259],
  ] as const;
  for (const [rule, prefix, limit] of cases) {
    const at = ofLength(prefix, limit);
    assert.equal(at.length, limit);
    assert.deepEqual(checkTenantPath(tenant, rule, at), { allowed: true, path: at }, `${rule} at ${limit}`);
    const over = checkTenantPath(tenant, rule, ofLength(prefix, limit + 1));
    assert.equal(over.allowed, false, `${rule} at ${limit + 1}`);
  }
});

test('a recordings rule covers its VDNs only when every path under each VDN is inside it', () => {
  const cases: Array<[string, number[], boolean]> = [
    ['/%VDNNO%/', [53, 54], true],
    ['/', [53], false], // a bare / expands to no prefix: it admits nothing
    ['/53/;/54/', [53, 54], true],
    ['/53/', [53, 54], false],
    ['/%VDNNO%/0/', [53], false],
    ['/530/', [53], false],
    ['/5/', [53], false],
  ];
  for (const [rule, vdns, covers] of cases)
    assert.equal(coversVdns(expandRule(rule, vdns), vdns), covers, `${rule} over ${vdns.join(',')}`);
  const policy = (rule: string) =>
    compileTenantPolicy({
      id: 'acme',
      vdnIds: [53],
      pathRules: { ...DEFAULT_PATH_RULES, recordings: rule },
      limits: {} as never,
    });
  assert.deepEqual(policyWarnings([policy('/%VDNNO%/')]), []);
  assert.match(policyWarnings([policy('/%VDNNO%/0/')])[0]!, /tenant acme: .*call id.*refused with 403/);
});
