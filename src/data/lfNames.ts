/**
 * One display name per low-fidelity (LF) column, with a one-line description: lenses, hovers, the panel and the
 * Train wizard all show these (the server sends them in its messages; the client never imports src/data).
 * Built from the parts of the bundled tables' column names (NB201, TransNAS-Bench-101, NB301, NB101); a column
 * this table does not know keeps its own name.
 */

export interface LfDisplay {
  /** E.g. "12-epoch accuracy (CIFAR-10 valid)". */
  label: string;
  /** One line: what the measure is. */
  description: string;
}

const DATASETS: Record<string, string> = { c10: 'CIFAR-10', c100: 'CIFAR-100', in16: 'ImageNet16-120' };
const TASKS: Record<string, string> = {
  class_object: 'object classification',
  class_scene: 'scene classification',
  jigsaw: 'jigsaw',
  room_layout: 'room layout',
  segmentsemantic: 'semantic segmentation',
  autoencoder: 'autoencoding',
  normal: 'surface normals',
};
const PROXIES: Record<string, [string, string]> = {
  synflow: ['SynFlow', 'zero-cost proxy: synaptic flow at initialisation'],
  nwot: ['NWOT', 'zero-cost proxy: activation-pattern overlap (NASWOT) at initialisation'],
  jacov: ['Jacobian covariance', 'zero-cost proxy: input-Jacobian correlation at initialisation'],
  snip: ['SNIP', 'zero-cost proxy: connection sensitivity at initialisation'],
  grad_norm: ['gradient norm', 'zero-cost proxy: norm of the loss gradient at initialisation'],
  fisher: ['Fisher', 'zero-cost proxy: Fisher information of the activations at initialisation'],
  grasp: ['GraSP', 'zero-cost proxy: gradient signal preservation at initialisation'],
  plain: ['plain', 'zero-cost proxy: gradient times weight at initialisation'],
  l2_norm: ['L2 norm', 'zero-cost proxy: L2 norm of the weights at initialisation'],
  epe_nas: ['EPE-NAS', 'zero-cost proxy: per-class Jacobian correlation at initialisation'],
  zen: ['Zen score', 'zero-cost proxy: Zen-NAS expressivity at initialisation'],
  flops: ['FLOPs', 'floating-point operations of one forward pass'],
  params: ['parameters', 'number of trainable parameters'],
};
const SPLITS: Record<string, string> = { valid_xvalid: 'valid', val: 'valid', test: 'test', valid_test: 'test' };

const proxy = (p: string, where: string): LfDisplay => {
  const [label, description] = PROXIES[p] as [string, string];
  return { label: `${label} (${where})`, description: `${description}, ${where}` };
};

const known = new Map<string, LfDisplay>();

/** The display name and description of an LF column (unknown columns: their own name). */
export function lfDisplay(name: string): LfDisplay {
  let d = known.get(name);
  if (!d) {
    d = displayOf(name);
    if (known.size < 10_000) known.set(name, d);
  }
  return d;
}

function displayOf(name: string): LfDisplay {
  let m = /^(c10|c100|in16)(valid_xvalid|valid_test|_val|_test)_(\d+)ep$/.exec(name);
  if (m) {
    const split = SPLITS[(m[2] as string).replace(/^_/, '')] ?? m[2];
    return { label: `${m[3]}-epoch accuracy (${DATASETS[m[1] as string]} ${split})`, description: `accuracy (%) after ${m[3]} training epochs, on the ${split} split of ${DATASETS[m[1] as string]}` };
  }
  m = /^zc_(c10|in16)_(\w+)$/.exec(name);
  if (m && PROXIES[m[2] as string]) return proxy(m[2] as string, DATASETS[m[1] as string] as string);
  m = /^zen_naslib_(c10|c100|in16)$/.exec(name);
  if (m) return proxy('zen', DATASETS[m[1] as string] as string);
  m = /^zc_(class_object|class_scene|jigsaw|room_layout|segmentsemantic|autoencoder|normal)_(\w+)$/.exec(name);
  if (m && PROXIES[m[2] as string]) return proxy(m[2] as string, TASKS[m[1] as string] as string);
  m = /^(synflow|epe_nas|zen|fisher)_(class_object|class_scene|jigsaw|room_layout|segmentsemantic|autoencoder|normal)$/.exec(name);
  if (m) return proxy(m[1] as string, TASKS[m[2] as string] as string);
  if (PROXIES[name]) {
    const [label, description] = PROXIES[name];
    return { label, description };
  }
  if (name === 'naswot_v1_score') return { label: 'NASWOT score', description: 'zero-cost proxy: NASWOT (Mellor et al.), CIFAR-10' };
  if (name === 'params_M') return { label: 'parameters (M)', description: 'number of trainable parameters, in millions' };
  m = /^hw_(c10|in16)_(\w+?)_(latency|energy|arithmetic_intensity)$/.exec(name);
  if (m) {
    const what = (m[3] as string).replace('_', ' ');
    return { label: `${m[2]} ${what} (${DATASETS[m[1] as string]})`, description: `${what} measured on ${m[2]} (HW-NAS-Bench), ${DATASETS[m[1] as string]} input size` };
  }
  m = /^help_lat_(\w+)$/.exec(name);
  if (m) return { label: `${m[1]} latency`, description: `latency measured on ${m[1]} (HELP)` };
  return { label: name, description: `LF column ${name}` };
}
