/*
 * `\N{name}`: Unicode character names, as Python 3.11's unicodedata looks them up
 * ==============================================================================
 * Source: Modules/unicodedata.c (_getcode with named sequences disallowed): a name is
 * matched case-insensitively against the character names and the name aliases of the
 * Unicode Character Database 14.0.0 (the version Python 3.11 ships), plus the algorithmic
 * names `CJK UNIFIED IDEOGRAPH-XXXX` and `HANGUL SYLLABLE ...`.
 *
 * The table comes from the registry package @unicode/unicode-14.0.0 (loaded on the first
 * `\N{...}`, as it takes a few hundred milliseconds to unpack).
 */
import { createRequire } from 'node:module';

type NameTable = ReadonlyMap<number, string>;
type AliasTable = Readonly<Record<string, readonly string[]>>;

let byName: Map<string, number> | undefined;
let unified: ((cp: number) => boolean) | undefined;

const ALIAS_KINDS = ['Abbreviation', 'Alternate', 'Control', 'Correction', 'Figment'] as const;

function load(): Map<string, number> {
  if (byName !== undefined) return byName;
  const require = createRequire(import.meta.url);
  const names = (require('@unicode/unicode-14.0.0/Names/index.mjs') as { default: NameTable }).default;
  const table = new Map<string, number>();
  const ideographs: number[] = [];
  for (const [cp, name] of names) {
    if (name.startsWith('CJK Ideograph')) ideographs.push(cp);
    else if (!name.startsWith('<') && /^[A-Z0-9 -]+$/.test(name)) table.set(name, cp);
  }
  for (const kind of ALIAS_KINDS) {
    const aliases = (require(`@unicode/unicode-14.0.0/Names/${kind}/index.mjs`) as { default: AliasTable }).default;
    for (const [cp, list] of Object.entries(aliases)) for (const a of list) table.set(a, Number(cp));
  }
  const set = new Set(ideographs);
  unified = (cp) => set.has(cp);
  byName = table;
  return table;
}

// Hangul syllable names (Unicode 3.12, "Conjoining Jamo Behavior").
const SBASE = 0xac00;
const VCOUNT = 21;
const TCOUNT = 28;
const JAMO_L = 'G GG N D DD R M B BB S SS  J JJ C K T P H'.split(' ');
const JAMO_V = 'A AE YA YAE EO E YEO YE O WA WAE OE YO U WEO WE WI YU EU YI I'.split(' ');
const JAMO_T = ' G GG GS N NJ NH D L LG LM LB LS LT LP LH M B BS S SS NG J C K T P H'.split(' ');

function hangul(rest: string): number | undefined {
  // Longest-match of L, V, T jamo short names, as unicodedata's find_syllable does.
  const longest = (list: readonly string[], s: string): number => {
    let best = -1;
    let len = -1;
    list.forEach((j, i) => {
      if (s.startsWith(j) && j.length > len) {
        best = i;
        len = j.length;
      }
    });
    return best;
  };
  const l = longest(JAMO_L, rest);
  if (l < 0) return undefined;
  const afterL = rest.slice((JAMO_L[l] ?? '').length);
  const v = longest(JAMO_V, afterL);
  if (v < 0) return undefined;
  const afterV = afterL.slice((JAMO_V[v] ?? '').length);
  const t = longest(JAMO_T, afterV);
  if (t < 0 || afterV.length !== (JAMO_T[t] ?? '').length) return undefined;
  return SBASE + (l * VCOUNT + v) * TCOUNT + t;
}

/** The code point named `name` (case-insensitive), or undefined. */
export function lookupUnicodeName(name: string): number | undefined {
  const upper = name.toUpperCase();
  if (upper.startsWith('HANGUL SYLLABLE ')) {
    const cp = hangul(upper.slice(16));
    if (cp !== undefined) return cp;
  }
  const table = load();
  if (upper.startsWith('CJK UNIFIED IDEOGRAPH-')) {
    const hex = upper.slice(22);
    if ((hex.length === 4 || hex.length === 5) && /^[0-9A-F]+$/.test(hex)) {
      const cp = parseInt(hex, 16);
      if (unified?.(cp) === true) return cp;
    }
    return undefined;
  }
  return table.get(upper);
}
