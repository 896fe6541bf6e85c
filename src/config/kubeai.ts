import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

import { OvSpeechError } from '../errors.js';

/**
 * KubeAI's FasterWhisper engine starts its model server image with WHISPER__MODEL naming the model, and
 * mounts the model's files in one of three places depending on the Model's URL:
 * - a cache profile: the absolute folder /models/<Model name>-<Model uid>;
 * - `pvc://CLAIM/SUB`: the value is `CLAIM/SUB`, the files are mounted at /model;
 * - `hf://OWNER/NAME`: the value is `OWNER/NAME`, nothing is mounted (faster-whisper would download it).
 */
export const KUBEAI_MODEL_ENV = 'WHISPER__MODEL';

/** Where KubeAI mounts a `pvc://` model's files. */
export const KUBEAI_PVC_MOUNT = '/model';

export interface KubeAiModel {
  /** The folder to serve: one model folder, or a tree of them. */
  modelsDir: string;
  /** The transcription model's id when it is known from the value; KubeAI strips the request's `model`. */
  transcriptionModel?: string;
  source: string;
}

const isDirectory = (folder: string) => existsSync(folder) && statSync(folder).isDirectory();

/**
 * The folder KubeAI's WHISPER__MODEL stands for. ovspeech never downloads weights, so an `hf://` model is
 * served only when the image holds it under ./models (baked in, or a volume).
 */
export function kubeAiModel(value: string, pvcMount = KUBEAI_PVC_MOUNT): KubeAiModel {
  const source = `${KUBEAI_MODEL_ENV}=${value} (KubeAI)`;
  if (path.isAbsolute(value)) {
    if (isDirectory(value)) return { modelsDir: value, source: `${source}, its cache profile's folder` };
    throw new OvSpeechError(`${source} is not a folder here: KubeAI mounts a cache profile's model there`, 'INVALID_ARGUMENT', {
      param: KUBEAI_MODEL_ENV,
    });
  }
  if (isDirectory(pvcMount)) return { modelsDir: pvcMount, source: `${source}, the pvc:// model mounted at ${pvcMount}` };
  const local = path.resolve('models');
  if (value !== '' && isDirectory(path.join(local, value))) {
    return { modelsDir: local, transcriptionModel: value, source: `${source}, found in ${local}` };
  }
  throw new OvSpeechError(
    `${source}: no folder ${pvcMount} (a pvc:// model) and no ${path.join(local, value)}. ovspeech never downloads ` +
      `weights: give the KubeAI Model a pvc:// URL or a cache profile holding an OpenVINO export, or put the model in the image's ${local}`,
    'INVALID_ARGUMENT',
    { param: KUBEAI_MODEL_ENV },
  );
}
