import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIMS = [-1, 80, 3000];
const port = (id: number, names?: string) =>
  `<port id="${id}" precision="FP32"${names ? ` names="${names}"` : ''}>${DIMS.map((d) => `<dim>${d}</dim>`).join('')}</port>`;

/**
 * A valid OpenVINO IR (v11): input_features → `reluLayers` ReLUs → last_hidden_state. It has no weights;
 * a long chain makes reading it slow enough to observe the event loop meanwhile.
 */
export function chainIrXml(reluLayers: number): string {
  const layers = [
    `<layer id="0" name="input_features" type="Parameter" version="opset1"><data shape="?,80,3000" element_type="f32"/><output>${port(0, 'input_features')}</output></layer>`,
  ];
  const edges: string[] = [];
  for (let i = 1; i <= reluLayers; i++) {
    const names = i === reluLayers ? 'last_hidden_state' : undefined;
    layers.push(`<layer id="${i}" name="relu_${i}" type="ReLU" version="opset1"><input>${port(0)}</input><output>${port(1, names)}</output></layer>`);
    edges.push(`<edge from-layer="${i - 1}" from-port="${i === 1 ? 0 : 1}" to-layer="${i}" to-port="0"/>`);
  }
  const result = reluLayers + 1;
  layers.push(`<layer id="${result}" name="output" type="Result" version="opset1"><input>${port(0)}</input></layer>`);
  edges.push(`<edge from-layer="${reluLayers}" from-port="1" to-layer="${result}" to-port="0"/>`);
  return `<?xml version="1.0"?>\n<net name="chain" version="11"><layers>${layers.join('\n')}</layers><edges>${edges.join('\n')}</edges></net>\n`;
}

export interface IrFolderOptions {
  modelType?: string;
  reluLayers?: number;
  irs?: string[];
}

/** Writes a model folder with config.json and one IR per name in `irs`. */
export function writeIrFolder(
  dir: string,
  { modelType = 'whisper', reluLayers = 1, irs = ['openvino_encoder_model'] }: IrFolderOptions = {},
): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: modelType }));
  const xml = chainIrXml(reluLayers);
  for (const ir of irs) {
    writeFileSync(path.join(dir, `${ir}.xml`), xml);
    writeFileSync(path.join(dir, `${ir}.bin`), Buffer.alloc(0));
  }
  return dir;
}

const createdTempDirs: string[] = [];

// Each test file runs in its own process: its folders go when it exits, whether its tests passed or not,
// and whether a server or engine still had files open in them (Linux unlinks open files).
process.once('exit', () => {
  for (const dir of createdTempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A new empty folder under the system's temporary folder, removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `ovspeech-${prefix}-`));
  createdTempDirs.push(dir);
  return dir;
}

const fixtureModels = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'models');

/** Makes `at` a link to one of the committed test models (its parents are created). */
export function linkFixtureModel(name: string, at: string): string {
  mkdirSync(path.dirname(at), { recursive: true });
  symlinkSync(path.join(fixtureModels, name), at);
  return at;
}
