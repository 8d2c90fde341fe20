export {
  checkFormat,
  checkPart,
  checkpointGraph,
  type ExportedFile,
  type ExportOptions,
  exportGraph,
  FORMATS,
  type Format,
  readWeights,
} from './export.js';
export {
  type ActivationFn,
  familyOf,
  type InferenceGraph,
  inferenceGraph,
  type Layer,
  PARTS,
  type Part,
  partsOf,
  type Shape3,
  type Weight,
  type WeightMap,
} from './graph.js';
export {
  type ImportDataset,
  type ImportFile,
  type ImportOptions,
  importSafetensors,
} from './import.js';
export { metadataOf } from './metadata.js';
export { ONNX_OPSET, toOnnx } from './onnx.js';
export {
  MAX_HEADER_BYTES,
  type NamedTensor,
  readSafetensors,
  SafetensorsError,
  type SafetensorsFile,
  writeSafetensors,
} from './safetensors.js';
export { type TfjsLayersModel, toTfjsLayers } from './tfjs-layers.js';
export { latentFromTorch, type TorchTensor, torchTensors } from './torch-layout.js';
export { initNetworks, type ZooModel, zooModel } from './zoo.js';
