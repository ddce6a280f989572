// The models that ship with the toolkit (data/models/<name>/: model.json, weights.safetensors and
// samples/), as URLs the built explorer serves. Vite finds the files at build time by pattern, so a
// model added to data/models/ appears here without code (a folder without both files is left out);
// its title, description and the true class of each sample come from the library's list of them.

import { BUNDLED_MODELS as LIBRARY_RECORDS } from 'convnet-ts';

/** One bundled model: its files' URLs and its sample pictures (with their true class where known). */
export interface BundledModel {
  name: string;
  title: string;
  description: string;
  manifestUrl: string;
  weightsUrl: string;
  samples: readonly { name: string; url: string; trueClass?: string | undefined }[];
}

const MANIFESTS = import.meta.glob<string>('../../../data/models/*/model.json', {
  query: '?url',
  import: 'default',
  eager: true,
});
const WEIGHTS = import.meta.glob<string>('../../../data/models/*/weights.safetensors', {
  query: '?url',
  import: 'default',
  eager: true,
});
const SAMPLES = import.meta.glob<string>('../../../data/models/*/samples/*.{png,jpg,jpeg}', {
  query: '?url',
  import: 'default',
  eager: true,
});

/** The folder name after data/models/ in a glob key. */
function modelName(path: string): string {
  return path.split('/models/')[1]!.split('/')[0]!;
}

function fileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export const BUNDLED_MODELS: readonly BundledModel[] = Object.entries(MANIFESTS)
  .map(([path, manifestUrl]): BundledModel | null => {
    const name = modelName(path);
    const weightsUrl = Object.entries(WEIGHTS).find(([weightsPath]) => modelName(weightsPath) === name)?.[1];
    const record = LIBRARY_RECORDS.find((candidate) => candidate.name === name);
    const trueClass = (file: string) => {
      const label = record?.samples.find((sample) => sample.file === file)?.label;
      return label === undefined ? undefined : record!.classNames[label];
    };
    const samples = Object.entries(SAMPLES)
      .filter(([samplePath]) => modelName(samplePath) === name)
      .map(([samplePath, url]) => ({ name: fileName(samplePath), url, trueClass: trueClass(fileName(samplePath)) }))
      .sort((a, b) => a.name.localeCompare(b.name));
    if (weightsUrl === undefined) return null;
    return {
      name,
      title: record?.title ?? name,
      description: record?.description ?? '',
      manifestUrl,
      weightsUrl,
      samples,
    };
  })
  .filter((model) => model !== null)
  .sort((a, b) => a.name.localeCompare(b.name));
