// The workflow bundle's entry: every workflow the worker registers.
export { trackLipsyncRender } from './render-lipsync';
export { reconcileLipsyncs } from './reconcile';
export { renderBatch } from './batch';
