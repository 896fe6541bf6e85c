/** The hand-written interface of build/Release/ovspeech.node (native/addon/module.cpp). */
import type { OvSpeechError } from '../errors.js';

export interface PortInfo {
  names: string[];
  elementType: string;
  /** OpenVINO partial-shape notation, e.g. "[?,80,3000]". */
  shape: string;
}

export interface IrInfo {
  /** File stem, e.g. "openvino_encoder_model". */
  name: string;
  stateful: boolean;
  inputs: PortInfo[];
  outputs: PortInfo[];
}

export interface ModelFolderInfo {
  path: string;
  modelType: string;
  /** config.json, serialized. */
  config: string;
  irs: IrInfo[];
}

export interface DeviceInfo {
  name: string;
  fullName: string;
}

export interface Addon {
  readonly openvinoVersion: string;
  /** Native errors are created as `new errorClass(message, code)`. */
  setErrorClass(errorClass: typeof OvSpeechError): void;
  availableDevices(): Promise<DeviceInfo[]>;
  inspectModel(dir: string): Promise<ModelFolderInfo>;
}
