// What a render after preview is expected to cost (creatify-api.md §6). Documented: 4
// credits per 30 s for the render step, 1 per 30 s for the preview [D]. Inferred: per
// started 30-second block, rounded up [I: help centre for app videos, OWNERFI]; the API
// docs say nothing of the rounding. A Creatify that charges pro rata, or per nearest
// block, shows it on the record: the preview's own charge (`credits_used` before the
// render) is 1 credit per 30 s under the same rounding. So the rounding is read from
// that observation, and the documented-by-inference one holds when it shows nothing.
// Aurora models: only the one-step create price is documented (1 and 0.5 credit per
// second) [D]; their render costs between that and the documented render price [I].

/** Credits a render may cost, from the least to the most. */
export interface CostRange {
  least: number;
  most: number;
}

export interface PricedRecord {
  duration?: number | null;
  model_version?: string | null;
  /** Before the render: what the preview was charged. */
  credits_used?: number | null;
}

/** How a price per 30 s meets a duration that is not a whole number of blocks. */
type Rounding = 'block-up' | 'pro-rata' | 'nearest-block';

/** Blocks of 30 s that a duration is charged for, under each rounding (pro rata: to the hundredth, down). */
const BLOCKS: Record<Rounding, (seconds: number) => number> = {
  'block-up': (seconds) => Math.ceil(seconds / 30),
  'pro-rata': (seconds) => Math.floor((seconds * 100) / 30) / 100,
  'nearest-block': (seconds) => Math.max(1, Math.round(seconds / 30)),
};

/**
 * The roundings the preview's charge agrees with (1 credit a block); block-up alone when
 * it agrees with none (no charge on the record, several previews, a price of its own).
 */
function roundingsShown(seconds: number, previewCharge: number | null | undefined): Rounding[] {
  if (typeof previewCharge !== 'number' || !(previewCharge > 0)) return ['block-up'];
  const agree = (Object.keys(BLOCKS) as Rounding[]).filter((rounding) => Math.abs(BLOCKS[rounding](seconds) - previewCharge) < 0.015);
  return agree.length > 0 ? agree : ['block-up'];
}

/**
 * What POST /render/ of this previewed record may cost, from the least to the most
 * (credits); null without a duration. For the standard model, 4 credits a block under the
 * rounding the preview's charge shows (the least of them when it fits several); for an
 * aurora model its render price is [U], so the documented render price and its create
 * price bound it. The balance check takes the least (a render it lets through that
 * Creatify refuses costs nothing; one it refuses is a render skipped), a daily budget the
 * most (a budget is a promise never to overspend).
 */
export function renderCostRange(record: PricedRecord): CostRange | null {
  const seconds = record.duration;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) return null;
  const documented = BLOCKS['block-up'](seconds) * 4;
  if (record.model_version === 'aurora_v1' || record.model_version === 'aurora_v1_fast') {
    const perSecond = Math.ceil(seconds) * (record.model_version === 'aurora_v1' ? 1 : 0.5);
    return { least: Math.min(documented, perSecond), most: Math.max(documented, perSecond) };
  }
  const least = Math.min(...roundingsShown(seconds, record.credits_used).map((rounding) => Math.round(BLOCKS[rounding](seconds) * 400) / 100));
  return { least, most: Math.max(least, documented) };
}

