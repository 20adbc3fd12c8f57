// What a render after preview is expected to cost (creatify-api.md §6). Documented: 4
// credits per 30 s for the render step [D]. Inferred: per started 30-second block,
// rounded up [I: help centre for app videos, OWNERFI]. Aurora models: only the one-step
// create price is documented (1 and 0.5 credit per second) [D]; their render costs
// between that and the documented render price [I].

/** Credits a render may cost, from the least to the most. */
export interface CostRange {
  least: number;
  most: number;
}

export interface PricedRecord {
  duration?: number | null;
  model_version?: string | null;
}

/**
 * What POST /render/ of this previewed record may cost, from the least to the most
 * (credits); null without a duration. One price for the standard model; for an aurora
 * model its render price is [U], so the documented render price and its create price
 * bound it. The balance check takes the least (a render it lets through that Creatify
 * refuses costs nothing; one it refuses is a render skipped), a daily budget the most
 * (a budget is a promise never to overspend).
 */
export function renderCostRange(record: PricedRecord): CostRange | null {
  const seconds = record.duration;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) return null;
  const documented = Math.ceil(seconds / 30) * 4;
  const perSecond = record.model_version === 'aurora_v1' ? Math.ceil(seconds) : record.model_version === 'aurora_v1_fast' ? Math.ceil(seconds) * 0.5 : documented;
  return { least: Math.min(documented, perSecond), most: Math.max(documented, perSecond) };
}

/** The expected credits of POST /render/ (the most it may cost: renderCostRange); null without a duration. */
export function renderCostEstimate(record: PricedRecord): number | null {
  return renderCostRange(record)?.most ?? null;
}
