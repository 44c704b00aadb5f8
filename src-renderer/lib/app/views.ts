/** The top-level views, in navigation order; the order also gives the Ctrl/Cmd+N shortcuts. */
export const viewIds = ['generate', 'library', 'dataset', 'train', 'models', 'settings'] as const;
export type ViewId = (typeof viewIds)[number];

export const viewLabels: Record<ViewId, string> = {
  generate: 'Generate',
  library: 'Library',
  dataset: 'Dataset',
  train: 'Train',
  models: 'Models',
  settings: 'Settings',
};

export function isViewId(value: string): value is ViewId {
  return (viewIds as readonly string[]).includes(value);
}
