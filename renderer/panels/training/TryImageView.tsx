/** Try an image: choose a file or paste one, see the network's top classes. */
import { useRef, type ClipboardEvent, type DragEvent } from 'react';
import { currentModel, predictImage } from './run-training';
import { useTrainingStore } from './training-store';

/** File → base64 of its bytes (no data: prefix). */
async function toBase64(file: Blob): Promise<string> {
  const buf = new Uint8Array(await file.arrayBuffer());
  let s = '';
  for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode(...buf.subarray(i, i + 0x8000));
  return btoa(s);
}

export function TryImageView() {
  const s = useTrainingStore();
  const model = currentModel();
  const input = useRef<HTMLInputElement>(null);
  const take = async (f: File | null | undefined) => {
    if (!f) return;
    if (!/^image\//.test(f.type) && !/\.(png|jpe?g|webp|gif|bmp|tiff?)$/i.test(f.name)) {
      useTrainingStore.getState().set({ predictError: `${f.name} is not an image (PNG, JPEG, WebP…)` });
      return;
    }
    await predictImage(await toBase64(f));
  };
  const onPaste = (e: ClipboardEvent) => {
    const item = [...e.clipboardData.items].find((i) => i.type.startsWith('image/'));
    if (item) void take(item.getAsFile());
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    void take(e.dataTransfer.files[0]);
  };
  return (
    <section className="trn-section" data-testid="try-view">
      {!model ? (
        <p className="trn-muted">Train the network first (or open a document with saved weights).</p>
      ) : (
        <div className="trn-drop" tabIndex={0} onPaste={onPaste} onDragOver={(e) => e.preventDefault()} onDrop={onDrop} data-testid="try-drop">
          <p>Drop an image here, paste one (Ctrl+V), or</p>
          <button className="btn" onClick={() => input.current?.click()}>
            Choose an image…
          </button>
          <input ref={input} type="file" accept="image/*" hidden data-testid="try-file" onChange={(e) => void take(e.target.files?.[0])} />
        </div>
      )}
      {s.predictError && <p className="trn-error">{s.predictError}</p>}
      {s.predicting && <p className="trn-muted">Classifying…</p>}
      {s.prediction && (
        <div className="trn-predict">
          {s.predictImage && <img src={`data:image;base64,${s.predictImage}`} alt="the image tried" />}
          <ol data-testid="prediction">
            {s.prediction.top.map((c) => (
              <li key={c.index}>
                <span className="trn-pname">{c.name}</span>
                <span className="trn-bar" style={{ width: `${c.probability * 100}%` }} />
                <span className="trn-num">{(c.probability * 100).toFixed(1)}%</span>
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}
