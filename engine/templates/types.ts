import type { DocMeta } from '../graph/doc';

/** Which gallery shelf a template sits on. */
export type TemplateGroup = 'classic' | 'trainable';

/** What the gallery shows before a template is opened (no analysis needed). */
export interface TemplateInfo {
  /** Stable id, e.g. `resnet50`; also the file name without `.json`. */
  id: string;
  /** Repository-relative path of the document, e.g. `templates/resnet50.json`. */
  file: string;
  /** `classic`: the published architectures (ImageNet-sized); `trainable`: small nets that train on a CPU. */
  group: TemplateGroup;
  /** Display name, e.g. `ResNet-50`. */
  name: string;
  /** What the network is and how it is built, for the gallery card. */
  description: string;
  /** Input height × width × channels. */
  inputShape: number[];
  /** Number of nodes in the document. */
  layers: number;
  /** Year, paper, idea, and the reference implementation whose counts it matches. */
  meta: DocMeta;
}
