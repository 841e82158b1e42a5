/**
 * PyTorch (Python) code that rebuilds the network as an nn.Module with the
 * same arithmetic as the engine: TF's asymmetric 'same' padding written out
 * with F.pad, average pooling that ignores padded pixels, Flatten in Keras'
 * (height, width, channel) order, TF.js' bilinear resize, transposed
 * convolutions cropped as TF crops them. Weights load from weights.npz (Keras
 * layout) with the layout transposes done in load_weights().
 *
 * The module takes NCHW input (PyTorch's convention) and returns NCHW for
 * image-shaped outputs; vectors are the same in both.
 */
import type { GraphAnalysis } from '../../analysis/types';
import type { GraphDoc } from '../../graph/doc';
import { getLayerDef } from '../../layers';
import { ExportError } from '../onnx/export';
import type { LayerWeights } from '../weights';
import { py, pyFloat, pyText, walk } from './common';

const HELPERS = `def _avg_pool_same(x, k, s, pads):
    """TF 'same' average pooling: padded pixels are not counted."""
    num = F.avg_pool2d(F.pad(x, pads), k, s)
    den = F.avg_pool2d(F.pad(torch.ones_like(x[:, :1]), pads), k, s)
    return num / den


def _to_nhwc(x):
    return x.permute(0, 2, 3, 1) if x.dim() == 4 else x


def _flatten_keras(x):
    """Flatten in Keras' (height, width, channel) order, so Dense weights fit."""
    return torch.flatten(_to_nhwc(x), 1)


def _resize_bilinear_asymmetric(x, sh, sw):
    """TF.js bilinear upsampling (align_corners=False, half_pixel_centers=False)."""
    def axis(size, scale):
        src = torch.arange(size * scale, device=x.device, dtype=x.dtype) / scale
        i0 = src.floor().long().clamp(max=size - 1)
        i1 = (i0 + 1).clamp(max=size - 1)
        return i0, i1, src - i0.to(x.dtype)
    y0, y1, fy = axis(x.shape[2], sh)
    x0, x1, fx = axis(x.shape[3], sw)
    rows = x[:, :, y0] * (1 - fy)[:, None] + x[:, :, y1] * fy[:, None]
    return rows[..., x0] * (1 - fx) + rows[..., x1] * fx
`;

/** The generated files: model.py (module + weight loading) and train.py. */
export function pytorchCode(doc: GraphDoc, analysis: GraphAnalysis, weights: LayerWeights | null): { 'model.py': string; 'train.py': string } {
  const { layers, outputs, input } = walk(doc, analysis);
  const init: string[] = [];
  const fwd: string[] = [];
  const load: string[] = [];
  for (const l of layers) {
    const hook = getLayerDef(l.type)?.pytorch;
    if (!hook) throw new ExportError(`layer ${l.name} (${l.type}) has no PyTorch form`);
    const c = hook(l, weights);
    init.push(...(c.init ?? []));
    const mods = (c.init ?? []).map((s) => /^self\.(\w+) = nn\./.exec(s)?.[1]).filter((m): m is string => !!m);
    if (l.frozen && mods.length) init.push(`self._freeze(${mods.map((m) => `self.${m}`).join(', ')})`);
    fwd.push(`        ${l.v} = ${c.fwd}`);
    if (weights?.get(l.name)) load.push(...(c.load ?? []).map((s) => `        ${s}`));
  }
  const ret = outputs.length === 1 ? outputs[0].v : `(${outputs.map((o) => o.v).join(', ')})`;
  const inShape = input.outShape;
  const nchw = inShape.length === 3 ? [inShape[2], inShape[0], inShape[1]] : [...inShape];
  const className = 'Net';
  const model = `"""${pyText(doc.name)}: rebuilt in PyTorch by CNN Designer.

Input: NCHW float32, batch x ${nchw.join(' x ')} (channels, height, width), pixel
values in [0, 1] as CNN Designer feeds them. Output${outputs.length > 1 ? 's' : ''}: ${outputs.map((o) => `${o.name} ${o.outShape.length === 3 ? [o.outShape[2], o.outShape[0], o.outShape[1]].join(' x ') : o.outShape.join(' x ')}`).join(', ')}.
The arithmetic follows TensorFlow's (asymmetric 'same' padding, Keras flatten
order), so the outputs equal CNN Designer's.

    python model.py            # build, load weights.npz if present, run a random batch
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

INPUT_SHAPE = ${py(nchw)}


${HELPERS}

class ${className}(nn.Module):
    def __init__(self):
        super().__init__()
${init.length ? init.map((s) => `        ${s}`).join('\n') : '        pass'}

    @staticmethod
    def _freeze(*modules):
        """Frozen in CNN Designer: not trained (BatchNorm statistics too, in eval mode)."""
        for m in modules:
            for p in m.parameters():
                p.requires_grad_(False)

    def forward(self, x):
${fwd.join('\n')}
        return ${ret}


def load_weights(m, path="weights.npz"):
    """Load the weights exported by CNN Designer (Keras layout, transposed here)."""
    w = np.load(path)

    def t(a):
        return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))

    with torch.no_grad():
${load.length ? load.join('\n') : '        pass'}
    return m


if __name__ == "__main__":
    model = ${className}()
    here = os.path.dirname(os.path.abspath(__file__))
    weights = os.path.join(here, "weights.npz")
    if os.path.exists(weights):
        load_weights(model, weights)
        print("loaded", weights, file=sys.stderr)
    model.eval()
    with torch.no_grad():
        y = model(torch.rand(2, *INPUT_SHAPE))
    print(model)
    print("output", tuple(y.shape) if torch.is_tensor(y) else [tuple(o.shape) for o in y])
`;
  const t = doc.training ?? {};
  const opt = t.optimizer ?? 'adam';
  const lr = t.learningRate ?? (opt === 'sgd' ? 0.01 : 0.001);
  const optCode = opt === 'sgd' ? `torch.optim.SGD(params, lr=args.lr, momentum=${pyFloat(t.momentum ?? 0.9)})` : opt === 'rmsprop' ? 'torch.optim.RMSprop(params, lr=args.lr)' : 'torch.optim.Adam(params, lr=args.lr)';
  const probabilities = outputs.length === 1 && (outputs[0].type === 'softmax' || outputs[0].p.activation === 'softmax');
  const train = `"""Train ${pyText(doc.name)} with PyTorch on a folder of images (one subfolder per class).

    python train.py --data DIR [--epochs ${t.epochs ?? 5}] [--batch ${t.batchSize ?? 32}] [--lr ${lr}] [--init weights.npz]

Several GPUs or machines: launch with torchrun, e.g.
    torchrun --nproc_per_node=4 train.py --data DIR
    torchrun --nnodes=2 --node_rank=R --master_addr=HOST --nproc_per_node=4 train.py --data DIR
and it trains with DistributedDataParallel (one process per GPU).
Needs torchvision for the image folder loader.
"""
import argparse
import os

import torch
import torch.distributed as dist
import torch.nn.functional as F

from model import INPUT_SHAPE, ${className}, load_weights

OUTPUT_IS_PROBABILITIES = ${probabilities ? 'True' : 'False'}


def loss_fn(out, y):
    if OUTPUT_IS_PROBABILITIES:  # the network ends in softmax, as in CNN Designer
        return F.nll_loss(torch.log(out.clamp_min(1e-7)), y)
    return F.cross_entropy(out, y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="folder with one subfolder of images per class")
    ap.add_argument("--epochs", type=int, default=${t.epochs ?? 5})
    ap.add_argument("--batch", type=int, default=${t.batchSize ?? 32})
    ap.add_argument("--lr", type=float, default=${pyFloat(lr)})
    ap.add_argument("--init", default=None, help="start from these weights (weights.npz): fine-tuning")
    ap.add_argument("--out", default="trained.pt")
    args = ap.parse_args()

    from torchvision import datasets, transforms

    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if distributed:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    rank = dist.get_rank() if distributed else 0
    local = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device(f"cuda:{local}" if torch.cuda.is_available() else "cpu")

    c, h, w = INPUT_SHAPE
    tf = transforms.Compose([transforms.Grayscale(1) if c == 1 else transforms.Lambda(lambda im: im.convert("RGB")), transforms.Resize((h, w)), transforms.ToTensor()])
    data = datasets.ImageFolder(args.data, transform=tf)  # ToTensor gives [0, 1], as CNN Designer
    sampler = torch.utils.data.distributed.DistributedSampler(data) if distributed else None
    loader = torch.utils.data.DataLoader(data, batch_size=args.batch, shuffle=sampler is None, sampler=sampler, num_workers=2)

    model = ${className}()
    if args.init:
        load_weights(model, args.init)
    model.to(device)
    if distributed:
        model = torch.nn.parallel.DistributedDataParallel(model, device_ids=[local] if torch.cuda.is_available() else None)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = ${optCode}
    for epoch in range(args.epochs):
        if sampler is not None:
            sampler.set_epoch(epoch)
        model.train()
        total, correct, loss_sum = 0, 0, 0.0
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            out = model(x)
            loss = loss_fn(out, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(y)
            correct += (out.argmax(1) == y).sum().item()
            total += len(y)
        if rank == 0:
            print(f"epoch {epoch + 1}: loss {loss_sum / total:.4f} accuracy {correct / total:.4f}")
    if rank == 0:
        torch.save((model.module if distributed else model).state_dict(), args.out)
        print("saved", os.path.abspath(args.out))
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
`;
  return { 'model.py': model, 'train.py': train };
}
