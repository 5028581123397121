/**
 * DELE's dynamic ensemble (Zhao, Ning et al., AAAI 2023), following DynamicEnsemblePointwiseComparator:
 * K experts, each its own encoder + MLP giving a raw score s_k(a); a gate with its own encoder + MLP + softmax
 * giving w(a) over the K experts; the prediction is S(a) = Σ_k w_k(a) s_k(a). With one expert and no gate the
 * same class is the plain PointwiseComparator used by the vanilla and single-LF baselines. The encoders are
 * sized by the search space's EncoderInput (src/space), so one model class serves every space.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ArchFeatures, EncoderInput } from '../space/types';
import { addBias, Linear, Mlp, mm, oneHotMatMul, type OneHotIndex, ONES_ROW, Params, rowGather, segmentSum, ZERO_ROW } from './nn';
import { Rng } from '../util/rng';
import { structuralMeasures, type StructuralMeasure } from '../space/structural';

export type EncoderType = 'gates' | 'lstm';

export interface GatesConfig {
  opDim: number;
  nodeDim: number;
  hidDim: number;
  gcnOutDims: number[];
}

export interface LstmConfig {
  embDim: number;
  hidDim: number;
}

export interface ModelConfig {
  encoder: EncoderType;
  /** Names of the expert heads: LF column names for DELE / single-LF, ["truth"] for vanilla. */
  experts: string[];
  /** Dynamic gate over the experts (DELE). Without it there must be exactly one expert. */
  gate: boolean;
  mlpHiddens: number[];
  dropout: number;
  gates: GatesConfig;
  lstm: LstmConfig;
  /** The search space's encoder input (graph and sequence views). */
  input: EncoderInput;
  /**
   * The gate also reads the space's structural measures (src/space/structural.ts: op counts, paths and degrees
   * over op subsets, or choice counts), each divided by its bound, next to its encoder's output. Absent: no.
   */
  gateStructural?: boolean;
}

/** The paper's encoder sizes (dele-method.md §2). */
export const PAPER_GATES: GatesConfig = { opDim: 48, nodeDim: 48, hidDim: 96, gcnOutDims: [128, 128, 128, 128, 128] };
export const PAPER_LSTM: LstmConfig = { embDim: 100, hidDim: 100 };

/**
 * A batch of architectures encoded once for the model's encoder, as one-hot positions (row gathers, nn.ts) and,
 * where a kernel multiplies by them, 2-D tensors:
 * - GATES over an edge-op graph: per edge slot e (cell after cell), the op's position;
 * - GATES over a node-op graph: per node slot, the op one-hot [B, numOps] (zeros for an absent node) and its
 *   positions, and per (from, to) pair the edge indicator [B, 1];
 * - LSTM: per sequence position, the token's position.
 */
export interface EncodedBatch {
  size: number;
  nodeOneHot: tf.Tensor2D[];
  /** One-hot positions (-1: an all-zero row). */
  edgeIndex: OneHotIndex[];
  nodeIndex: OneHotIndex[];
  tokenIndex: OneHotIndex[];
  /** adjacency[to][from], [B, 1]; only from < to. */
  adjacency: tf.Tensor2D[][];
  /** The gate's structural inputs [B, F] (ModelConfig.gateStructural), each in [0, 1]. */
  gateFeatures?: tf.Tensor2D;
}

const measuresByInput = new WeakMap<EncoderInput, StructuralMeasure[]>();

/** The structural measures a gate with `gateStructural` reads, in a fixed order for the space's encoder input. */
export function gateStructuralMeasures(input: EncoderInput): StructuralMeasure[] {
  let m = measuresByInput.get(input);
  if (!m) measuresByInput.set(input, (m = structuralMeasures({ encoderInput: input })));
  return m;
}

function gateFeatureTensor(input: EncoderInput, feats: readonly ArchFeatures[]): tf.Tensor2D {
  const measures = gateStructuralMeasures(input);
  const data = new Float32Array(feats.length * measures.length);
  feats.forEach((f, b) => measures.forEach((m, j) => (data[b * measures.length + j] = m.max > 0 ? m.value(f) / m.max : 0)));
  return tf.tensor2d(data, [feats.length, measures.length]);
}

/** `pick` gives the one-hot position of a slot; a missing (undefined) or out-of-range one is -1 (a zero row). */
function oneHotIndex(feats: readonly ArchFeatures[], slots: number, width: number, pick: (f: ArchFeatures, slot: number) => number | undefined): OneHotIndex[] {
  return Array.from({ length: slots }, (_, e) => ({
    pos: Int32Array.from(feats, (f) => {
      const v = pick(f, e);
      return v !== undefined && v >= 0 && v < width ? v : -1;
    }),
    width,
  }));
}

/** The one-hot tensor [B, width] of one slot's positions. */
function oneHotTensor(index: OneHotIndex): tf.Tensor2D {
  const data = new Float32Array(index.pos.length * index.width);
  index.pos.forEach((v, i) => v >= 0 && (data[i * index.width + v] = 1));
  return tf.tensor2d(data, [index.pos.length, index.width]);
}

export function encodeBatch(cfg: Pick<ModelConfig, 'encoder' | 'input' | 'gateStructural'>, feats: readonly ArchFeatures[]): EncodedBatch {
  const inp = cfg.input;
  const b: EncodedBatch = { size: feats.length, nodeOneHot: [], adjacency: [], edgeIndex: [], nodeIndex: [], tokenIndex: [] };
  if (cfg.gateStructural) b.gateFeatures = gateFeatureTensor(inp, feats);
  if (cfg.encoder === 'lstm') {
    b.tokenIndex = oneHotIndex(feats, inp.seqLength, inp.seqVocab, (f, t) => f.tokens[t]);
  } else if (inp.graph.kind === 'edge-ops') {
    b.edgeIndex = oneHotIndex(feats, inp.graph.edgeFrom.length * (inp.graph.cells ?? 1), inp.numOps, (f, e) => f.ops[e]);
  } else {
    const n = inp.graph.numNodes;
    b.nodeIndex = oneHotIndex(feats, n, inp.numOps, (f, v) => f.ops[v]);
    b.nodeOneHot = b.nodeIndex.map(oneHotTensor);
    for (let to = 0; to < n; to++) {
      const row: tf.Tensor2D[] = [];
      for (let from = 0; from < to; from++) {
        row.push(tf.tensor2d(Float32Array.from(feats, (f) => f.adjacency?.[from * n + to] ?? 0), [feats.length, 1]));
      }
      b.adjacency.push(row);
    }
  }
  return b;
}

export function disposeBatch(b: EncodedBatch): void {
  tf.dispose([...b.nodeOneHot, ...b.adjacency.flat(), ...(b.gateFeatures ? [b.gateFeatures] : [])]);
}

interface Encoder {
  readonly outDim: number;
  /** -> [B, outDim] */
  apply(batch: EncodedBatch): tf.Tensor2D;
}

/** Sum of 1, 2 or more terms (add for two, addN for more, as the original NB201 encoder did). */
function sumTerms(terms: tf.Tensor2D[]): tf.Tensor2D {
  if (terms.length === 1) return terms[0]!;
  if (terms.length === 2) return tf.add(terms[0]!, terms[1]!) as tf.Tensor2D;
  return tf.addN(terms) as tf.Tensor2D;
}

/** rowGather(x, rows), or x itself when `rows` picks every row of x in order (the rows are already per arch). */
function gatherUnlessSame(x: tf.Tensor2D, rows: Int32Array): tf.Tensor2D {
  return rows.length === x.shape[0] && rows.every((r, i) => r === i) ? x : rowGather(x, rows);
}

/**
 * One GATES layer over an edge-op graph as row operations on stacked node states. The states before the
 * layer are the rows of one tensor S (every node that is the source of an edge has rows there); the layer
 * computes U = S·W once, then every row r of the new states T is Σ over its terms t (edge order) of
 * table[op_t] ⊙ U[source_t]: `target[t]` = r. The `none` op reads a row of zeros (the table's masked row) and
 * an input node keeps U of its own row (a row of ones). Rows are per distinct state, not per arch (see
 * rowSharing).
 */
interface GatesLayerPlan {
  /** Rows of T. */
  rows: number;
  /** Per term: row of U it reads, op row of the table (or ZERO_ROW, ONES_ROW), row of T it adds to. */
  source: Int32Array;
  op: Int32Array;
  target: Int32Array;
  /** Per node with rows in T: the row of arch b is nodeRows[node][b]. */
  nodeRows: Map<number, Int32Array>;
}

/**
 * Row sharing, in the edge-op GATES encoder and the LSTM (lstmRowPlan): a node's state after layer l is a function of the ops on its
 * incoming edges and its sources' states after layer l − 1 (the input nodes do not depend on the arch), so
 * archs that agree on those share one row, computed once. In NB201's 4-node cell node 1 takes 5 values at
 * every layer, node 2 at most 25 then 125; only the output node needs a row per arch (and only in the last
 * layer: a node without outgoing edges is computed there alone). Forward values are those of a row per arch
 * (every row goes through the same kernels, sums in the same order); gradients sum the shared rows'
 * contributions first, which changes float rounding only (test/unit/model.test.ts). Off: one row per arch for
 * every node (and LSTM step) that depends on the arch, as PyTorch's reference implementation lays it out (the
 * gradients still sum through the stacked-layer kernels, so they are not those of earlier commits either).
 */
export const rowSharing = { enabled: true };

const rowPlans = new WeakMap<EncodedBatch, Map<string, GatesLayerPlan[]>>();

type EdgeOpsGraph = Extract<EncoderInput['graph'], { kind: 'edge-ops' }>;

function gatesRowPlan(batch: EncodedBatch, g: EdgeOpsGraph, numOps: number, layers: number, inputs: number, edgeOffset: number): GatesLayerPlan[] {
  const share = rowSharing.enabled;
  const key = `${layers}:${inputs}:${edgeOffset}:${share}`;
  let plans = rowPlans.get(batch);
  const cached = plans?.get(key);
  if (cached) return cached;
  const size = batch.size;
  const n = g.numNodes;
  const incoming = Array.from({ length: n }, (_, to) => (to < inputs ? [] : g.edgeTo.flatMap((t, e) => (t === to ? [e] : []))));
  const isSource = Array.from({ length: n }, (_, v) => v < inputs || g.edgeFrom.includes(v));
  const outputs = g.outputs && g.outputs.length > 0 ? g.outputs : [n - 1];
  const opsOf = (e: number): Int32Array => batch.edgeIndex[edgeOffset + e]!.pos;
  // Before the first layer: input node i is row i, every other node the shared zero row `inputs`.
  let prev = new Map<number, Int32Array>();
  for (let v = 0; v < n; v++) prev.set(v, new Int32Array(size).fill(Math.min(v, inputs)));
  const out: GatesLayerPlan[] = [];
  for (let l = 0; l < layers; l++) {
    const last = l === layers - 1;
    const source: number[] = [];
    const op: number[] = [];
    const target: number[] = [];
    const nodeRows = new Map<number, Int32Array>();
    let rows = 0;
    for (let v = 0; v < n; v++) {
      if (last ? !outputs.includes(v) : !isSource[v]) continue;
      const map = new Int32Array(size);
      if (v < inputs) {
        source.push(prev.get(v)![0]!);
        op.push(ONES_ROW);
        target.push(rows);
        map.fill(rows++);
      } else if (incoming[v]!.length === 0) {
        map.fill(rows++); // no incoming edge: zeros
      } else {
        const from = incoming[v]!.map((e) => prev.get(g.edgeFrom[e]!)!);
        const ids = new Map<string, number>();
        for (let b = 0; b < size; b++) {
          const k = share ? incoming[v]!.map((e, i) => `${opsOf(e)[b]},${from[i]![b]}`).join(';') : String(b);
          let r = ids.get(k);
          if (r === undefined) {
            r = rows++;
            ids.set(k, r);
            incoming[v]!.forEach((e, i) => {
              const o = opsOf(e)[b]!;
              source.push(from[i]![b]!);
              op.push(o === g.noneOp || o < 0 || o >= numOps ? ZERO_ROW : o);
              target.push(r!);
            });
          }
          map[b] = r;
        }
      }
      nodeRows.set(v, map);
    }
    out.push({ rows, source: Int32Array.from(source), op: Int32Array.from(op), target: Int32Array.from(target), nodeRows });
    prev = nodeRows;
  }
  if (!plans) rowPlans.set(batch, (plans = new Map()));
  plans.set(key, out);
  return out;
}

/**
 * GATES (NasBench201FlowArchEmbedder + DenseGraphSimpleOpEdgeFlow, residual_only = 1, use_final_only):
 * the input nodes have learnable embeddings, the other nodes zeros; each layer computes, for ops on edges,
 * Y'_i = Σ_{e: j->i} sigmoid(Linear(opemb(op_e))) ⊙ (Y_j W) with the `none` op masked out, plus Y_k W on
 * the input nodes; for ops on nodes (NB101-like), Y'_i = sigmoid(Linear(opemb(op_i))) ⊙ Σ_{j->i} (Y_j W).
 * ReLU between layers; the output is the last node, or the mean of the space's output nodes (DARTS: the
 * concatenated intermediate nodes). Input nodes never depend on the arch, so they stay [1, d].
 * `edgeOffset` picks one cell's edge slots when an architecture has several cells.
 */
class GatesEncoder implements Encoder {
  readonly outDim: number;
  private readonly opEmb: tf.Variable;
  private readonly node0: tf.Variable;
  private readonly xHidden: Linear;
  private readonly w: tf.Variable[] = [];
  private readonly att: Linear[] = [];
  private readonly inputs: number;

  constructor(
    p: Params,
    name: string,
    cfg: GatesConfig,
    private readonly input: EncoderInput,
    private readonly edgeOffset = 0,
  ) {
    const g = input.graph;
    this.inputs = g.kind === 'edge-ops' ? (g.inputs ?? 1) : 1;
    this.opEmb = p.normal(`${name}.op_emb`, [input.numOps, cfg.opDim]);
    this.node0 = p.normal(`${name}.node0_emb`, [this.inputs, cfg.nodeDim]);
    this.xHidden = new Linear(p, `${name}.x_hidden`, cfg.nodeDim, cfg.hidDim);
    let d = cfg.hidDim;
    cfg.gcnOutDims.forEach((out, l) => {
      this.w.push(p.uniform(`${name}.gcn${l}.w`, [d, out], 1 / Math.sqrt(out)));
      this.att.push(new Linear(p, `${name}.gcn${l}.op_att`, cfg.opDim, out));
      d = out;
    });
    this.outDim = d;
  }

  apply(batch: EncodedBatch): tf.Tensor2D {
    const g = this.input.graph;
    // Input features: input node i = Linear(emb_i), the other nodes = Linear(0) = bias: rows 0..inputs of y0.
    const y0 = this.xHidden.apply(tf.concat([this.node0, tf.zeros([1, this.node0.shape[1] as number])], 0) as tf.Tensor2D);
    // The op-attention tables; the `none` op (edge ops) is masked by the layer plan, which reads zeros for it.
    const tables = this.w.map((_, l) => tf.sigmoid(this.att[l]!.apply(this.opEmb as tf.Tensor2D)) as tf.Tensor2D);
    return g.kind === 'edge-ops' ? this.applyEdgeOps(batch, g, y0, tables) : this.applyNodeOps(batch, g.numNodes, y0, tables);
  }

  /** Ops on edges: one matmul, two row gathers, a product and a segment sum per layer (see GatesLayerPlan). */
  private applyEdgeOps(batch: EncodedBatch, g: EdgeOpsGraph, y0: tf.Tensor2D, tables: tf.Tensor2D[]): tf.Tensor2D {
    const plans = gatesRowPlan(batch, g, this.input.numOps, this.w.length, this.inputs, this.edgeOffset);
    let states = y0;
    this.w.forEach((w, l) => {
      const p = plans[l]!;
      const u = mm(states, w as tf.Tensor2D);
      const t = segmentSum(tf.mul(rowGather(tables[l]!, p.op), rowGather(u, p.source)) as tf.Tensor2D, p.target, p.rows);
      states = l < this.w.length - 1 ? tf.relu(t) : t;
    });
    const last = plans[this.w.length - 1]!;
    const perArch = (v: number): tf.Tensor2D => gatherUnlessSame(states, last.nodeRows.get(v)!);
    const outs = g.outputs && g.outputs.length > 0 ? g.outputs : [g.numNodes - 1];
    return outs.length === 1 ? perArch(outs[0]!) : (tf.mul(sumTerms(outs.map(perArch)), 1 / outs.length) as tf.Tensor2D);
  }

  /** Ops on nodes (NB101-like): a [B, d] (or shared [1, d]) tensor per node. */
  private applyNodeOps(batch: EncodedBatch, n: number, y0: tf.Tensor2D, tables: tf.Tensor2D[]): tf.Tensor2D {
    let ys: tf.Tensor2D[] = Array.from({ length: n }, (_, i) => tf.slice(y0, [Math.min(i, 1), 0], [1, -1]) as tf.Tensor2D);
    this.w.forEach((w, l) => {
      const u = ys.slice(0, n - 1).map((y) => mm(y, w as tf.Tensor2D));
      const next: tf.Tensor2D[] = u.slice(0, 1);
      for (let to = 1; to < n; to++) {
        const agg = sumTerms(Array.from({ length: to }, (_, from) => tf.mul(batch.adjacency[to]![from]!, u[from]!) as tf.Tensor2D));
        next.push(tf.mul(oneHotMatMul(batch.nodeOneHot[to]!, batch.nodeIndex[to]!, tables[l]!), agg) as tf.Tensor2D);
      }
      ys = l < this.w.length - 1 ? next.map((y) => tf.relu(y)) : next;
    });
    const out = ys[n - 1]!;
    return out.shape[0] === batch.size ? out : (tf.tile(out, [batch.size, 1]) as tf.Tensor2D);
  }
}

/** Several cells on one graph (DARTS normal and reduce): one GATES encoder per cell, outputs concatenated. */
class MultiCellEncoder implements Encoder {
  readonly outDim: number;
  private readonly cells: GatesEncoder[];

  constructor(p: Params, name: string, cfg: GatesConfig, input: EncoderInput, cells: number, edgesPerCell: number) {
    this.cells = Array.from({ length: cells }, (_, c) => new GatesEncoder(p, `${name}.cell${c}`, cfg, input, c * edgesPerCell));
    this.outDim = this.cells.reduce((d, c) => d + c.outDim, 0);
  }

  apply(batch: EncodedBatch): tf.Tensor2D {
    return tf.concat(this.cells.map((c) => c.apply(batch)), 1) as tf.Tensor2D;
  }
}

/** NasBench201_LSTMSeqEmbedder: Embedding(V, e) over the space's token sequence, 1-layer LSTM, output h_n. */
class LstmEncoder implements Encoder {
  readonly outDim: number;
  private readonly emb: tf.Variable;
  private readonly wx: tf.Variable;
  private readonly wh: tf.Variable;
  private readonly bias: tf.Variable;

  constructor(p: Params, name: string, cfg: LstmConfig, private readonly input: EncoderInput) {
    const h = cfg.hidDim;
    const bound = 1 / Math.sqrt(h);
    this.emb = p.normal(`${name}.emb`, [input.seqVocab, cfg.embDim]);
    this.wx = p.uniform(`${name}.lstm.w_ih`, [cfg.embDim, 4 * h], bound);
    this.wh = p.uniform(`${name}.lstm.w_hh`, [h, 4 * h], bound);
    this.bias = p.uniformSum2(`${name}.lstm.b`, [4 * h], bound);
    this.outDim = h;
  }

  apply(batch: EncodedBatch): tf.Tensor2D {
    // Embedding then input projection folded: onehot · (E · W_ih) is the same product.
    const opProj = mm(this.emb as tf.Tensor2D, this.wx as tf.Tensor2D); // [V, 4h]
    const steps = lstmRowPlan(batch, this.input.seqLength);
    let h: tf.Tensor2D | undefined;
    let c: tf.Tensor2D | undefined;
    steps.forEach((st) => {
      const xw = rowGather(opProj, st.token);
      const hp = h && gatherUnlessSame(h, st.prev!);
      const cp = c && gatherUnlessSame(c, st.prev!);
      const z = addBias(hp ? (tf.add(xw, mm(hp, this.wh as tf.Tensor2D)) as tf.Tensor2D) : xw, this.bias);
      const [i, f, g, o] = tf.split(z, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D]; // PyTorch gate order i, f, g, o
      const ig = tf.mul(tf.sigmoid(i), tf.tanh(g));
      c = (cp ? tf.add(tf.mul(tf.sigmoid(f), cp), ig) : ig) as tf.Tensor2D;
      h = tf.mul(tf.sigmoid(o), tf.tanh(c)) as tf.Tensor2D;
    });
    return gatherUnlessSame(h!, steps[steps.length - 1]!.map);
  }
}

/**
 * The LSTM over a batch as rows per distinct prefix: the state after token t depends only on tokens 0..t, so
 * archs with the same prefix share a row (NB201: 5, 25, 125 rows for the first three tokens, then one per arch).
 * Per step: the token per row, the previous step's row per row (none at the first step), and the row of each
 * arch. Forward values are those of a row per arch; gradients differ by rounding (as rowSharing).
 */
interface LstmStepRows {
  rows: number;
  token: Int32Array;
  prev?: Int32Array;
  map: Int32Array;
}

const lstmPlans = new WeakMap<EncodedBatch, Map<string, LstmStepRows[]>>();

function lstmRowPlan(batch: EncodedBatch, length: number): LstmStepRows[] {
  const key = `${length}:${rowSharing.enabled}`;
  let plans = lstmPlans.get(batch);
  const cached = plans?.get(key);
  if (cached) return cached;
  const size = batch.size;
  const out: LstmStepRows[] = [];
  let prevMap: Int32Array | undefined;
  for (let t = 0; t < length; t++) {
    const pos = batch.tokenIndex[t]!.pos;
    const ids = new Map<number, number>();
    const map = new Int32Array(size);
    const token: number[] = [];
    const prev: number[] = [];
    const width = batch.tokenIndex[t]!.width + 1;
    for (let b = 0; b < size; b++) {
      // A missing token (-1) is its own value: key = previous row · (width + 1) + token + 1.
      const id = rowSharing.enabled ? (prevMap ? prevMap[b]! : 0) * width + pos[b]! + 1 : b;
      let r = ids.get(id);
      if (r === undefined) {
        r = token.length;
        ids.set(id, r);
        token.push(pos[b]!);
        if (prevMap) prev.push(prevMap[b]!);
      }
      map[b] = r;
    }
    out.push({ rows: token.length, token: Int32Array.from(token, (x) => (x < 0 ? ZERO_ROW : x)), ...(prevMap ? { prev: Int32Array.from(prev) } : {}), map });
    prevMap = map;
  }
  if (!plans) lstmPlans.set(batch, (plans = new Map()));
  plans.set(key, out);
  return out;
}

function makeEncoder(p: Params, name: string, cfg: ModelConfig): Encoder {
  if (cfg.encoder === 'lstm') return new LstmEncoder(p, name, cfg.lstm, cfg.input);
  const g = cfg.input.graph;
  const cells = g.kind === 'edge-ops' ? (g.cells ?? 1) : 1;
  if (g.kind === 'edge-ops' && cells > 1) return new MultiCellEncoder(p, name, cfg.gates, cfg.input, cells, g.edgeFrom.length);
  return new GatesEncoder(p, name, cfg.gates, cfg.input);
}

export interface ForwardOutput {
  /** Ensemble score S(a), [B]. */
  score: tf.Tensor1D;
  /** Expert scores s_k(a), [K, B]. */
  expertScores: tf.Tensor2D;
  /** Gate weights w(a), [B, K]; all ones for a single-expert model. */
  weights: tf.Tensor2D;
}

export class EnsembleModel {
  readonly params: Params;
  private readonly experts: { enc: Encoder; head: Mlp }[] = [];
  private readonly gate?: { enc: Encoder; head: Mlp };

  constructor(readonly config: ModelConfig, seed: number) {
    const k = config.experts.length;
    if (k < 1) throw new Error('a model needs at least one expert');
    if (!config.gate && k !== 1) throw new Error('a model without a gate has exactly one expert');
    this.params = new Params(new Rng(seed));
    for (let i = 0; i < k; i++) {
      const enc = makeEncoder(this.params, `experts.${i}.enc`, config);
      this.experts.push({ enc, head: new Mlp(this.params, `experts.${i}.mlp`, enc.outDim, config.mlpHiddens, 1, config.dropout) });
    }
    if (config.gate) {
      const enc = makeEncoder(this.params, 'gate.enc', config);
      const extra = config.gateStructural ? gateStructuralMeasures(config.input).length : 0;
      this.gate = { enc, head: new Mlp(this.params, 'gate.mlp', enc.outDim + extra, config.mlpHiddens, k, config.dropout) };
    }
  }

  get numExperts(): number {
    return this.config.experts.length;
  }

  get hasGate(): boolean {
    return this.gate !== undefined;
  }

  /** Parameters of expert k, or of all experts. */
  expertVariables(k?: number): tf.Variable[] {
    return this.params.list(k === undefined ? 'experts.' : `experts.${k}.`);
  }

  gateVariables(): tf.Variable[] {
    return this.params.list('gate.');
  }

  /** Parameters of the given experts, then the gate's if `gate` (none without a gate): one thread's share of step 2. */
  networkVariables(experts: readonly number[], gate: boolean): tf.Variable[] {
    return [...experts.flatMap((j) => this.expertVariables(j)), ...(gate ? this.gateVariables() : [])];
  }

  /** Bias of the gate's output layer ([K], one logit offset per expert), or undefined without a gate. */
  gateOutputBias(): tf.Variable | undefined {
    return this.gate ? this.params.vars.get('gate.mlp.out.b') : undefined;
  }

  allVariables(): tf.Variable[] {
    return this.params.list();
  }

  /** Score s_k(a) of expert k, [B]. Call inside tf.tidy. `seed` fixes the dropout masks. */
  expertScore(k: number, batch: EncodedBatch, training: boolean, seed = 0): tf.Tensor1D {
    const x = this.experts[k];
    if (!x) throw new RangeError(`no expert ${k} (the model has ${this.experts.length})`);
    return tf.reshape(x.head.apply(x.enc.apply(batch), training, seed), [batch.size]);
  }

  /** Gate weights w(a), [B, K]; all ones without a gate. Call inside tf.tidy. */
  gateWeights(batch: EncodedBatch, training: boolean, seed = 0): tf.Tensor2D {
    if (!this.gate) return tf.ones([batch.size, 1]);
    let x = this.gate.enc.apply(batch);
    if (this.config.gateStructural) {
      if (!batch.gateFeatures) throw new Error('this gate reads structural measures: encode the batch with the model config');
      x = tf.concat([x, batch.gateFeatures], 1);
    }
    return tf.softmax(this.gate.head.apply(x, training, seed)) as tf.Tensor2D;
  }

  /** Expert scores [K, B]. Call inside tf.tidy. seeds[k] is expert k's dropout seed. */
  expertScores(batch: EncodedBatch, training: boolean, seeds?: number[]): tf.Tensor2D {
    return tf.stack(this.experts.map((_, k) => this.expertScore(k, batch, training, seeds?.[k]))) as tf.Tensor2D;
  }

  /** Call inside tf.tidy. seeds: K expert seeds then the gate's. */
  forward(batch: EncodedBatch, training: boolean, seeds?: number[]): ForwardOutput {
    const expertScores = this.expertScores(batch, training, seeds);
    const weights = this.gateWeights(batch, training, seeds?.[this.numExperts]);
    const score = this.gate ? (tf.sum(tf.mul(weights, tf.transpose(expertScores)), 1) as tf.Tensor1D) : tf.reshape(expertScores, [batch.size]);
    return { score: score as tf.Tensor1D, expertScores, weights };
  }

  dispose(): void {
    this.params.dispose();
  }
}
