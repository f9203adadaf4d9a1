// The estimate's advice on a model's size beside its corpus, in the user's language (the core's `advice`
// and the CLI's are English). Apart from run-plan.ts because the English catalogue reads that file.
import { translate, type Locale } from './i18n/index.ts';

/** How a model's size compares with its corpus (parameters per training character), as the estimate advises. */
export type SizeAdvice = 'memorise' | 'overfit' | 'proportion' | 'small';
/**
 * char-rnn's rule of thumb: parameters about the size of the corpus (in characters) is the right scale;
 * far more memorises the text (watch validation loss), far fewer cannot learn all it offers.
 */
export function sizeAdvice(ratio: number): SizeAdvice {
  if (ratio > 10) return 'memorise';
  if (ratio > 2) return 'overfit';
  if (ratio >= 0.1) return 'proportion';
  return 'small';
}

/** The ratio as each advice writes it: "277×", "3.5×", "0.25×", "0.003×". */
const RATIO_DIGITS: Record<SizeAdvice, number> = { memorise: 0, overfit: 1, proportion: 2, small: 3 };

/** The estimate's advice in `locale`'s words (the core's `advice` and the CLI's are English). */
export function adviseSize(ratio: number, locale: Locale = 'en'): string {
  const kind = sizeAdvice(ratio);
  const digits = RATIO_DIGITS[kind];
  const shown = new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(ratio);
  return translate(locale, `train.advice.${kind}`, { ratio: shown });
}
