/**
 * A sample input image drawn procedurally at any size (so it matches the
 * network's input exactly and ships no binary): a small landscape with a sun,
 * hills, a house and a tree — shapes of several sizes, so receptive fields of
 * different sizes visibly cover "a window", "a house", "the whole scene".
 */
export function drawSampleImage(canvas: HTMLCanvasElement, grey = false): void {
  const W = canvas.width;
  const H = canvas.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const X = (f: number) => f * W;
  const Y = (f: number) => f * H;
  const sky = ctx.createLinearGradient(0, 0, 0, H);
  sky.addColorStop(0, '#5aa9e6');
  sky.addColorStop(0.6, '#bde0fe');
  ctx.fillStyle = sky;
  ctx.fillRect(0, 0, W, H);
  // sun
  ctx.fillStyle = '#ffd166';
  ctx.beginPath();
  ctx.arc(X(0.8), Y(0.2), Math.min(W, H) * 0.1, 0, Math.PI * 2);
  ctx.fill();
  // far hills
  ctx.fillStyle = '#6a994e';
  ctx.beginPath();
  ctx.moveTo(0, Y(0.62));
  ctx.quadraticCurveTo(X(0.25), Y(0.42), X(0.5), Y(0.6));
  ctx.quadraticCurveTo(X(0.75), Y(0.45), X(1), Y(0.58));
  ctx.lineTo(X(1), Y(1));
  ctx.lineTo(0, Y(1));
  ctx.fill();
  // meadow
  ctx.fillStyle = '#a7c957';
  ctx.fillRect(0, Y(0.72), W, Y(0.28));
  // house
  ctx.fillStyle = '#e9ecef';
  ctx.fillRect(X(0.18), Y(0.55), X(0.26), Y(0.25));
  ctx.fillStyle = '#bc4749';
  ctx.beginPath();
  ctx.moveTo(X(0.15), Y(0.56));
  ctx.lineTo(X(0.31), Y(0.4));
  ctx.lineTo(X(0.47), Y(0.56));
  ctx.fill();
  ctx.fillStyle = '#6c584c';
  ctx.fillRect(X(0.28), Y(0.66), X(0.06), Y(0.14));
  ctx.fillStyle = '#219ebc';
  ctx.fillRect(X(0.21), Y(0.6), X(0.05), Y(0.05));
  ctx.fillRect(X(0.36), Y(0.6), X(0.05), Y(0.05));
  // tree
  ctx.fillStyle = '#7f5539';
  ctx.fillRect(X(0.7), Y(0.55), X(0.035), Y(0.22));
  ctx.fillStyle = '#386641';
  ctx.beginPath();
  ctx.arc(X(0.717), Y(0.5), Math.min(W, H) * 0.09, 0, Math.PI * 2);
  ctx.fill();
  // a few flowers (fine detail for the smallest fields)
  const flowers = ['#ff006e', '#fb5607', '#ffbe0b', '#8338ec'];
  for (let i = 0; i < 9; i++) {
    ctx.fillStyle = flowers[i % flowers.length];
    ctx.fillRect(X(0.05 + i * 0.1), Y(0.86 + (i % 3) * 0.03), Math.max(1, X(0.012)), Math.max(1, Y(0.012)));
  }
  if (grey) {
    const d = ctx.getImageData(0, 0, W, H);
    for (let i = 0; i < d.data.length; i += 4) {
      const g = 0.299 * d.data[i] + 0.587 * d.data[i + 1] + 0.114 * d.data[i + 2];
      d.data[i] = d.data[i + 1] = d.data[i + 2] = g;
    }
    ctx.putImageData(d, 0, 0);
  }
}
