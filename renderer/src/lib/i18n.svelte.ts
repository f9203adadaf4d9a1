// The renderer's language: the system's (navigator.languages) unless the user chose one in the header or
// the menu; kept in localStorage. `t` reads the chosen locale, so every text that calls it follows a
// switch at once. The words themselves are in shared/i18n/ (one catalogue per language).
import {
  LOCALE_NAMES,
  formatBytes,
  formatDate,
  formatDuration,
  formatList,
  formatNumber,
  isLocale,
  pickLocale,
  translate,
  type Key,
  type Locale,
  type Params,
} from '../../../shared/i18n/index.ts';

export type LocaleChoice = Locale | 'system';
const STORED = 'rnn-studio-locale';

function stored(): LocaleChoice {
  const v = globalThis.localStorage?.getItem(STORED);
  return isLocale(v) ? v : 'system';
}

class LocaleState {
  /** What the user chose: a language, or the system's. */
  choice = $state<LocaleChoice>(stored());
  /** The system's language, as the studio speaks it. */
  readonly system: Locale = pickLocale(globalThis.navigator?.languages ?? []);
  /** The language every screen speaks now. */
  current = $derived<Locale>(this.choice === 'system' ? this.system : this.choice);

  set(choice: LocaleChoice): void {
    this.choice = choice;
    if (choice === 'system') globalThis.localStorage?.removeItem(STORED);
    else globalThis.localStorage?.setItem(STORED, choice);
  }
}

export const locale = new LocaleState();
export { LOCALE_NAMES, type Key, type Locale };

/** The message of `key` in the current language, {placeholders} filled from `params`. */
export const t = (key: Key, params?: Params): string => translate(locale.current, key, params);
/** Whether the catalogue has `key` (for keys built from data, such as a field's path). */
export const has = (key: string): boolean => !translate(locale.current, key).startsWith('⟦');
/** A key built at run time (a field's path, an error's code): its message, or ⟦key⟧ when the catalogue lacks it. */
export const tk = (key: string, params?: Params): string => translate(locale.current, key, params);

/** Numbers, durations, dates, lists and sizes in the current language (Intl). */
export const fmt = {
  int: (n: number | null | undefined) => (n === null || n === undefined ? '–' : formatNumber(locale.current, Math.round(n), 0)),
  number: (n: number | null | undefined, digits = 3) => (n === null || n === undefined ? '–' : formatNumber(locale.current, n, digits)),
  duration: (seconds: number | null | undefined) => formatDuration(locale.current, seconds),
  date: (when: string | number | Date) => formatDate(locale.current, when),
  list: (items: readonly string[], type?: 'conjunction' | 'disjunction') => formatList(locale.current, items, type),
  bytes: (n: number) => formatBytes(locale.current, n),
};
