// The custom search attributes every change run is indexed by, with their Temporal types: the lab
// registers them at start, the worker refuses to start without them, the README lists them.

/** Name -> Temporal type (as `temporal operator search-attribute create --type` takes it). */
export const changeSearchAttributes = {
  MetallbCluster: 'Keyword',
  MetallbRunbook: 'Keyword',
  MetallbRequestedBy: 'Keyword',
  MetallbOutcome: 'Keyword',
  MetallbObjects: 'KeywordList',
} as const;

/** One of the attribute names. */
export type ChangeSearchAttribute = keyof typeof changeSearchAttributes;

/** The command that registers the `missing` attributes on `namespace`. */
export function registerCommand(namespace: string, missing: readonly ChangeSearchAttribute[]): string {
  const pairs = missing.map((name) => `--name ${name} --type ${changeSearchAttributes[name]}`).join(' ');
  return `temporal operator search-attribute create --namespace ${namespace} ${pairs}`;
}
