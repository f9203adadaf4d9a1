// The studio's words in each language it speaks (issue 16): one catalogue per language, one file per
// area of the studio (shared/i18n/en/*.ts, shared/i18n/zh-TW/*.ts), English the source. TypeScript holds
// the other languages to English's keys (Translation<…>), and test/i18n checks them at run time too.
// There is no fallback: a key a language lacks shows as ⟦area.key⟧, never as English.
// Numbers, dates, lists and plurals go through Intl, in the chosen locale. The CLI stays in English.
import { en } from './en.ts';
import { zhTW } from './zh-TW.ts';

/** The languages the studio speaks, as BCP 47 tags; the first is the source and the default. */
export const LOCALES = ['en', 'zh-TW'] as const;
export type Locale = (typeof LOCALES)[number];
/** How each language names itself in the switch. */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', 'zh-TW': '繁體中文' };

/** A message whose words depend on a count: Intl.PluralRules picks the form (`other` is always there). */
export interface Plural {
  zero?: string;
  one?: string;
  two?: string;
  few?: string;
  many?: string;
  other: string;
}
export type Message = string | Plural;
export type Area = Record<string, Message>;
export type Catalogue = Record<string, Area>;
/** What another language must give: every area and key of `C`, and no others. */
export type Translation<C> = { [A in keyof C]: { [K in keyof C[A]]: Message } };
/** Every key of the studio's catalogue: "area.key". */
export type Key = { [A in keyof typeof en & string]: `${A}.${keyof (typeof en)[A] & string}` }[keyof typeof en & string];
/** Values a message interpolates: {name}. Numbers are formatted for the locale; `count` picks a plural form. */
export type Params = Record<string, string | number | null | undefined>;

export const CATALOGUES: Record<Locale, Catalogue> = { en, 'zh-TW': zhTW };

/** The studio's language for a list of preferred BCP 47 tags (navigator.languages, Electron's system languages): any Chinese → zh-TW, else English. */
export function pickLocale(tags: readonly string[] | undefined | null): Locale {
  for (const tag of tags ?? []) {
    const t = tag.toLowerCase();
    if (t === 'en' || t.startsWith('en-')) return 'en';
    if (t === 'zh' || t.startsWith('zh-') || t.startsWith('zh_')) return 'zh-TW';
  }
  return 'en';
}

export const isLocale = (v: unknown): v is Locale => typeof v === 'string' && (LOCALES as readonly string[]).includes(v);

const numberFormats = new Map<string, Intl.NumberFormat>();
/** A number for `locale`: integers grouped (12,345), others with up to `digits` fraction digits. */
export function formatNumber(locale: Locale, n: number, digits = 3): string {
  if (!Number.isFinite(n)) return '–';
  const id = `${locale}|${digits}`;
  let f = numberFormats.get(id);
  if (!f) numberFormats.set(id, (f = new Intl.NumberFormat(locale, { maximumFractionDigits: digits })));
  return f.format(n);
}

const UNIT_WORDS: Record<Locale, { h: string; m: string; s: string; join: string }> = {
  en: { h: 'h', m: 'm', s: 's', join: ' ' },
  'zh-TW': { h: ' 小時', m: ' 分', s: ' 秒', join: ' ' },
};
/** A duration: "4m 16s", "1h 05m" / "4 分 16 秒". */
export function formatDuration(locale: Locale, seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const u = UNIT_WORDS[locale];
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}${u.s}`;
  if (s < 3600) return `${Math.floor(s / 60)}${u.m}${u.join}${String(s % 60).padStart(2, '0')}${u.s}`;
  return `${Math.floor(s / 3600)}${u.h}${u.join}${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}${u.m}`;
}

/** A date and time, as the locale writes them (SQLite's "YYYY-MM-DD HH:MM:SS" is UTC). */
export function formatDate(locale: Locale, when: string | number | Date): string {
  const d = typeof when === 'string' && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(when) ? new Date(`${when.replace(' ', 'T')}Z`) : new Date(when);
  if (Number.isNaN(d.getTime())) return String(when);
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** Items joined as the locale lists them: "a, b and c" / "a、b和c". */
export function formatList(locale: Locale, items: readonly string[], type: 'conjunction' | 'disjunction' = 'conjunction'): string {
  return new Intl.ListFormat(locale, { style: 'long', type }).format(items);
}

/** Bytes in B, KB, MB or GB (the units read the same in both languages). */
export function formatBytes(locale: Locale, n: number): string {
  if (n < 1024) return `${formatNumber(locale, n)} B`;
  if (n < 1024 ** 2) return `${formatNumber(locale, n / 1024, 1)} KB`;
  if (n < 1024 ** 3) return `${formatNumber(locale, n / 1024 ** 2, 1)} MB`;
  return `${formatNumber(locale, n / 1024 ** 3, 2)} GB`;
}

const pluralRules = new Map<Locale, Intl.PluralRules>();
/** The message of `key` in `locale`, its {placeholders} filled from `params`. A missing key shows as ⟦key⟧. */
export function translate(locale: Locale, key: Key | string, params?: Params): string {
  const dot = key.indexOf('.');
  const message = CATALOGUES[locale][key.slice(0, dot)]?.[key.slice(dot + 1)];
  if (message === undefined) return `⟦${key}⟧`;
  let text: string;
  if (typeof message === 'string') text = message;
  else {
    let rules = pluralRules.get(locale);
    if (!rules) pluralRules.set(locale, (rules = new Intl.PluralRules(locale)));
    const count = Number(params?.count ?? 0);
    text = (count === 0 && message.zero) || message[rules.select(count)] || message.other;
  }
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name];
    if (v === undefined) return whole;
    if (v === null) return '–';
    return typeof v === 'number' ? formatNumber(locale, v) : v;
  });
}

/** Every key of a catalogue, "area.key". */
export function keysOf(c: Catalogue): string[] {
  return Object.entries(c).flatMap(([area, messages]) => Object.keys(messages).map((k) => `${area}.${k}`));
}
