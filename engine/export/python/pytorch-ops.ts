/**
 * The PyTorch building blocks the layer files' `pytorch` hooks use, with
 * TensorFlow's arithmetic written out: asymmetric 'same' padding with F.pad,
 * transposed convolutions cropped as TF crops them, weight layout transposes
 * from the Keras layout of weights.npz.
 */
import { samePad } from '../../core/conv-math';
import type { Shape } from '../../core/shape';
import type { CodeLayer, PtLayer } from '../../layers/export-types';
import type { LayerWeights } from '../weights';
import { py, pyFloat } from './literals';

const pair = (v: unknown) => v as [number, number];

/** F.pad arguments (left, right, top, bottom) of TF 'same' padding; null when none. */
export function padArgs(inShape: Shape, k: [number, number], s: [number, number], padding: unknown, d: [number, number] = [1, 1]): string | null {
  if (padding !== 'same') return null;
  const h = samePad(inShape[0], k[0], s[0], d[0]);
  const w = samePad(inShape[1], k[1], s[1], d[1]);
  if (h.before + h.after + w.before + w.after === 0) return null;
  return `(${w.before}, ${w.after}, ${h.before}, ${h.after})`;
}

export function ptActivation(x: string, fn: unknown, rank: number): string {
  switch (fn) {
    case 'linear':
      return x;
    case 'relu':
      return `F.relu(${x})`;
    case 'relu6':
      return `F.relu6(${x})`;
    case 'sigmoid':
      return `torch.sigmoid(${x})`;
    case 'tanh':
      return `torch.tanh(${x})`;
    case 'elu':
      return `F.elu(${x})`;
    case 'selu':
      return `F.selu(${x})`;
    case 'gelu':
      return `F.gelu(${x})`;
    case 'swish':
      return `F.silu(${x})`;
    case 'softplus':
      return `F.softplus(${x})`;
    case 'softsign':
      return `F.softsign(${x})`;
    case 'softmax':
      return `torch.softmax(${x}, dim=${rank === 3 ? 1 : -1})`;
    default:
      throw new Error(`activation '${String(fn)}' has no PyTorch form`);
  }
}

export const ptW = (l: CodeLayer, n: string) => `w[${py(`${l.name}/${n}`)}]`;
export const ptHas = (weights: LayerWeights | null, l: CodeLayer, n: string) => !!weights?.get(l.name)?.some((w) => w.name === n);

export function ptConv(l: CodeLayer): PtLayer {
  const k = pair(l.p.kernel);
  const s = pair(l.p.stride);
  const d = pair(l.p.dilation);
  const cin = l.inShapes[0][2];
  const pad = padArgs(l.inShapes[0], k, s, l.p.padding, d);
  const x = pad ? `F.pad(${l.inputs[0]}, ${pad})` : l.inputs[0];
  return {
    init: [`self.${l.v} = nn.Conv2d(${cin}, ${l.p.filters}, ${py(k)}, stride=${py(s)}, dilation=${py(d)}, bias=${py(l.p.useBias)})`],
    fwd: ptActivation(`self.${l.v}(${x})`, l.p.activation, 3),
    load: [`m.${l.v}.weight.copy_(t(${ptW(l, 'kernel')}.transpose(3, 2, 0, 1)))`, ...(l.p.useBias ? [`m.${l.v}.bias.copy_(t(${ptW(l, 'bias')}))`] : [])],
  };
}

export function ptDepthwiseLoad(l: CodeLayer, attr: string): string {
  // Keras H×W×C×M → grouped conv (C·M)×1×H×W, output channel c·M + m.
  return `m.${attr}.weight.copy_(t(${ptW(l, 'depthwise_kernel')}.transpose(2, 3, 0, 1).reshape(-1, 1, ${(l.p.kernel as number[])[0]}, ${(l.p.kernel as number[])[1]})))`;
}

export function ptPool(kind: 'max' | 'avg') {
  return (l: CodeLayer): PtLayer => {
    const k = pair(l.p.pool);
    const st = pair(l.p.stride);
    const s: [number, number] = [st[0] || k[0], st[1] || k[1]];
    const pad = padArgs(l.inShapes[0], k, s, l.p.padding);
    const x = l.inputs[0];
    if (!pad) return { fwd: `F.${kind}_pool2d(${x}, ${py(k)}, ${py(s)})` };
    // Max: padded pixels never win; average: they are not counted (TF).
    return { fwd: kind === 'max' ? `F.max_pool2d(F.pad(${x}, ${pad}, value=float("-inf")), ${py(k)}, ${py(s)})` : `_avg_pool_same(${x}, ${py(k)}, ${py(s)}, ${pad})` };
  };
}

export function ptDepthwise(l: CodeLayer): PtLayer {
    const k = pair(l.p.kernel);
    const s = pair(l.p.stride);
    const c = l.inShapes[0][2];
    const pad = padArgs(l.inShapes[0], k, s, l.p.padding);
    const x = pad ? `F.pad(${l.inputs[0]}, ${pad})` : l.inputs[0];
    return {
      init: [`self.${l.v} = nn.Conv2d(${c}, ${c * (l.p.depthMultiplier as number)}, ${py(k)}, stride=${py(s)}, groups=${c}, bias=${py(l.p.useBias)})`],
      fwd: ptActivation(`self.${l.v}(${x})`, l.p.activation, 3),
      load: [ptDepthwiseLoad(l, l.v), ...(l.p.useBias ? [`m.${l.v}.bias.copy_(t(${ptW(l, 'bias')}))`] : [])],
    };
  }

export function ptSeparable(l: CodeLayer): PtLayer {
    const k = pair(l.p.kernel);
    const s = pair(l.p.stride);
    const d = pair(l.p.dilation);
    const c = l.inShapes[0][2];
    const mid = c * (l.p.depthMultiplier as number);
    const pad = padArgs(l.inShapes[0], k, s, l.p.padding, d);
    const x = pad ? `F.pad(${l.inputs[0]}, ${pad})` : l.inputs[0];
    return {
      init: [
        `self.${l.v}_depthwise = nn.Conv2d(${c}, ${mid}, ${py(k)}, stride=${py(s)}, dilation=${py(d)}, groups=${c}, bias=False)`,
        `self.${l.v}_pointwise = nn.Conv2d(${mid}, ${l.p.filters}, 1, bias=${py(l.p.useBias)})`,
      ],
      fwd: ptActivation(`self.${l.v}_pointwise(self.${l.v}_depthwise(${x}))`, l.p.activation, 3),
      load: [
        ptDepthwiseLoad(l, `${l.v}_depthwise`),
        `m.${l.v}_pointwise.weight.copy_(t(${ptW(l, 'pointwise_kernel')}.transpose(3, 2, 0, 1)))`,
        ...(l.p.useBias ? [`m.${l.v}_pointwise.bias.copy_(t(${ptW(l, 'bias')}))`] : []),
      ],
    };
  }

export function ptConvTranspose(l: CodeLayer): PtLayer {
    const k = pair(l.p.kernel);
    const s = pair(l.p.stride);
    const cin = l.inShapes[0][2];
    // Full output (n−1)·s + k (+ s − k when k < s); TF keeps outShape of it,
    // starting at floor((k − s)/2) for 'same'.
    const op = [Math.max(s[0] - k[0], 0), Math.max(s[1] - k[1], 0)];
    const start = [0, 1].map((a) => (l.p.padding === 'same' && k[a] > s[a] ? Math.floor((k[a] - s[a]) / 2) : 0));
    const [oh, ow] = l.outShape;
    return {
      init: [`self.${l.v} = nn.ConvTranspose2d(${cin}, ${l.p.filters}, ${py(k)}, stride=${py(s)}, output_padding=${py(op)}, bias=${py(l.p.useBias)})`],
      fwd: ptActivation(`self.${l.v}(${l.inputs[0]})[:, :, ${start[0]}:${start[0] + oh}, ${start[1]}:${start[1] + ow}]`, l.p.activation, 3),
      // Keras H×W×out×in → PyTorch in×out×H×W.
      load: [`m.${l.v}.weight.copy_(t(${ptW(l, 'kernel')}.transpose(3, 2, 0, 1)))`, ...(l.p.useBias ? [`m.${l.v}.bias.copy_(t(${ptW(l, 'bias')}))`] : [])],
    };
  }

export function ptBatchNorm(l: CodeLayer, weights: LayerWeights | null): PtLayer {
    const rank = l.inShapes[0].length;
    const ch = l.outShape[l.outShape.length - 1];
    const cls = rank === 3 ? 'BatchNorm2d' : 'BatchNorm1d';
    const x = l.inputs[0];
    const fwd = rank === 3 || rank === 1 ? `self.${l.v}(${x})` : `self.${l.v}(${x}.transpose(1, -1)).transpose(1, -1)`;
    const load = [`m.${l.v}.running_mean.copy_(t(${ptW(l, 'moving_mean')}))`, `m.${l.v}.running_var.copy_(t(${ptW(l, 'moving_variance')}))`];
    if (ptHas(weights, l, 'gamma')) load.push(`m.${l.v}.weight.copy_(t(${ptW(l, 'gamma')}))`);
    if (ptHas(weights, l, 'beta')) load.push(`m.${l.v}.bias.copy_(t(${ptW(l, 'beta')}))`);
    const init = [`self.${l.v} = nn.${cls}(${ch}, eps=${pyFloat(l.p.epsilon as number)}, momentum=${pyFloat(1 - (l.p.momentum as number))})  # PyTorch momentum = 1 − Keras momentum`];
    // Keras without scale/center has γ = 1 / β = 0 fixed: keep them so.
    if (!l.p.scale) init.push(`self.${l.v}.weight.requires_grad_(False)`);
    if (!l.p.center) init.push(`self.${l.v}.bias.requires_grad_(False)`);
    return { init, fwd, load };
  }

export function ptDense(l: CodeLayer): PtLayer {
    const inRank = l.inShapes[0].length;
    const n = l.inShapes[0][inRank - 1];
    const y = inRank === 3 ? `self.${l.v}(${l.inputs[0]}.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)` : `self.${l.v}(${l.inputs[0]})`;
    return {
      init: [`self.${l.v} = nn.Linear(${n}, ${l.p.units}, bias=${py(l.p.useBias)})`],
      fwd: ptActivation(y, l.p.activation, l.outShape.length),
      load: [`m.${l.v}.weight.copy_(t(${ptW(l, 'kernel')}.T))`, ...(l.p.useBias ? [`m.${l.v}.bias.copy_(t(${ptW(l, 'bias')}))`] : [])],
    };
  }
