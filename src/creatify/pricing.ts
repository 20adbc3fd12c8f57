// What a render after preview is expected to cost (creatify-api.md §6). Documented: 4
// credits per 30 s for the render step [D]. Inferred: per started 30-second block,
// rounded up [I: help centre for app videos, OWNERFI]. Aurora models: only the one-step
// create price is documented (1 and 0.5 credit per second) [D]; that price is used as an
// upper bound for their render [I].

export interface PricedRecord {
  duration?: number | null;
  model_version?: string | null;
}

/** Expected credits for POST /render/ of this previewed record; null without a duration. */
export function renderCostEstimate(record: PricedRecord): number | null {
  const seconds = record.duration;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) return null;
  if (record.model_version === 'aurora_v1') return Math.ceil(seconds);
  if (record.model_version === 'aurora_v1_fast') return Math.ceil(seconds) * 0.5;
  return Math.ceil(seconds / 30) * 4;
}
