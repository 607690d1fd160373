// BasicLSTMCell's function over a whole sequence as two TensorFlow ops, forward and gradient.
//
// Why a kernel: at the tutorials' sizes (batch 64-128, H = 128-256) one LSTM step is a few
// microseconds of arithmetic per op, and a graph spends as long again dispatching its ~15 ops a
// step. Here each direction (or part of the batch) is one op that runs its whole recurrence on
// one core with Eigen's matrix product, so two such ops keep both cores busy. The Python side
// (tf1_rnn/lstm/compiled/build.py) builds this file once per machine; lstm/compiled/ops.py uses it.
//
// Layout, row-major: x [T, B, I]; kernel_bias [I + H + 1, 4H], rows x | h | bias, columns
// gates i | j | f | o (BasicLSTMCell's order), forget_bias already added to the f columns.
// gates holds the activated i, j, f, o of every step.
#include <cstring>

#include "matrix_rows.h"

namespace {

// Sizes every op reads from its first inputs, checked once.
struct Dims {
  int64_t steps, batch, input, hidden;
};

void ReadDims(OpKernelContext* ctx, Dims* d) {
  const Tensor& x = ctx->input(0);
  const Tensor& w = ctx->input(1);
  OP_REQUIRES(ctx, x.dims() == 3, InvalidArgument("x must be [time, batch, input], got ", x.shape().DebugString()));
  OP_REQUIRES(ctx, w.dims() == 2 && w.dim_size(1) % 4 == 0,
              InvalidArgument("kernel_bias must be [input + H + 1, 4H], got ", w.shape().DebugString()));
  *d = {x.dim_size(0), x.dim_size(1), x.dim_size(2), w.dim_size(1) / 4};
  OP_REQUIRES(ctx, w.dim_size(0) == d->input + d->hidden + 1,
              InvalidArgument("kernel_bias has ", w.dim_size(0), " rows; x's depth ", d->input, " + H ",
                              d->hidden, " + 1 expected"));
  for (int k : {2, 3}) {
    const Tensor& s = ctx->input(k);
    OP_REQUIRES(ctx, s.dims() == 2 && s.dim_size(0) == d->batch && s.dim_size(1) == d->hidden,
                InvalidArgument("initial state must be [batch, H], got ", s.shape().DebugString()));
  }
}

// Both ops take x, kernel_bias, c0 and h0 first: their sizes are checked here, once.
class LstmKernel : public OpKernel {
 public:
  explicit LstmKernel(OpKernelConstruction* ctx) : OpKernel(ctx) {}

  void Compute(OpKernelContext* ctx) override {
    Dims d;
    ReadDims(ctx, &d);
    if (ctx->status().ok()) Run(ctx, d.steps, d.batch, d.input, d.hidden, ctx->input(0), ctx->input(1));
  }

 private:
  virtual void Run(OpKernelContext* ctx, int64_t T, int64_t B, int64_t I, int64_t H, const Tensor& x,
                   const Tensor& w) = 0;
};

class LstmSequenceOp : public LstmKernel {
 public:
  using LstmKernel::LstmKernel;

 private:
  void Run(OpKernelContext* ctx, int64_t T, int64_t B, int64_t I, int64_t H, const Tensor& x,
           const Tensor& w) override {
    Tensor *h, *c, *gates;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({T, B, H}), &h));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, TensorShape({T, B, H}), &c));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(2, TensorShape({T, B, 4 * H}), &gates));
    if (T == 0 || B == 0) return;
    ConstMatrixMap w_x = Rows(w, 0, I, 4 * H), w_h = Rows(w, I * 4 * H, H, 4 * H);
    ConstMatrixMap bias_row = Rows(w, (I + H) * 4 * H, 1, 4 * H);
    auto bias = bias_row.row(0).array();
    // The input part of every step's pre-activations in one product: [T * B, I] x [I, 4H].
    Rows(gates, 0, T * B, 4 * H).noalias() = Rows(x, 0, T * B, I) * w_x;
    for (int64_t t = 0; t < T; ++t) {
      ConstMatrixMap h_prev = t ? Rows(*h, (t - 1) * B * H, B, H) : Rows(ctx->input(3), 0, B, H);
      ConstMatrixMap c_prev = t ? Rows(*c, (t - 1) * B * H, B, H) : Rows(ctx->input(2), 0, B, H);
      MatrixMap z = Rows(gates, t * B * 4 * H, B, 4 * H);
      z.noalias() += h_prev * w_h;
      MatrixMap c_t = Rows(c, t * B * H, B, H), h_t = Rows(h, t * B * H, B, H);
      for (int64_t b = 0; b < B; ++b) {
        auto zb = z.row(b).array();
        zb += bias;
        zb.segment(0, H) = zb.segment(0, H).logistic();
        zb.segment(H, H) = zb.segment(H, H).tanh();
        zb.segment(2 * H, 2 * H) = zb.segment(2 * H, 2 * H).logistic();
        auto i = zb.segment(0, H), j = zb.segment(H, H), f = zb.segment(2 * H, H), o = zb.segment(3 * H, H);
        c_t.row(b).array() = c_prev.row(b).array() * f + i * j;
        h_t.row(b).array() = c_t.row(b).array().tanh() * o;
      }
    }
  }
};

class LstmSequenceGradOp : public LstmKernel {
 public:
  using LstmKernel::LstmKernel;

 private:
  void Run(OpKernelContext* ctx, int64_t T, int64_t B, int64_t I, int64_t H, const Tensor& x,
           const Tensor& w) override {
    const Tensor& h0 = ctx->input(3);
    const Tensor& c0 = ctx->input(2);
    const Tensor& h = ctx->input(4);
    const Tensor& c = ctx->input(5);
    const Tensor& gates = ctx->input(6);
    const Tensor& dh_out = ctx->input(7);  // [T or 1, B, H]: 1 when only the last output is read
    const Tensor& dc_out = ctx->input(8);  // likewise for the cell states
    for (const Tensor* g : {&dh_out, &dc_out}) {
      OP_REQUIRES(ctx, g->dims() == 3 && (g->dim_size(0) == T || g->dim_size(0) == 1) && g->dim_size(1) == B &&
                           g->dim_size(2) == H,
                  InvalidArgument("output gradients must be [time or 1, batch, H], got ", g->shape().DebugString()));
    }
    Tensor *dz, *dw, *dc0, *dh0;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({T, B, 4 * H}), &dz));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, w.shape(), &dw));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(2, TensorShape({B, H}), &dc0));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(3, TensorShape({B, H}), &dh0));
    MatrixMap d_h = Rows(dh0, 0, B, H), d_c = Rows(dc0, 0, B, H);  // carried from step t + 1 to t
    d_h.setZero();
    d_c.setZero();
    Rows(dw, 0, I + H + 1, 4 * H).setZero();
    if (T == 0 || B == 0) return;
    ConstMatrixMap w_h = Rows(w, I * 4 * H, H, 4 * H);
    const int64_t h_steps = dh_out.dim_size(0), c_steps = dc_out.dim_size(0);
    Eigen::Array<float, 1, Eigen::Dynamic> tanh_c(H);
    for (int64_t t = T - 1; t >= 0; --t) {
      if (h_steps == T || t == T - 1) d_h += Rows(dh_out, (h_steps == T ? t : 0) * B * H, B, H);
      if (c_steps == T || t == T - 1) d_c += Rows(dc_out, (c_steps == T ? t : 0) * B * H, B, H);
      ConstMatrixMap g = Rows(gates, t * B * 4 * H, B, 4 * H);
      ConstMatrixMap c_t = Rows(c, t * B * H, B, H);
      ConstMatrixMap c_prev = t ? Rows(c, (t - 1) * B * H, B, H) : Rows(c0, 0, B, H);
      MatrixMap dz_t = Rows(dz, t * B * 4 * H, B, 4 * H);
      for (int64_t b = 0; b < B; ++b) {
        auto gb = g.row(b).array();
        auto i = gb.segment(0, H), j = gb.segment(H, H), f = gb.segment(2 * H, H), o = gb.segment(3 * H, H);
        auto dzb = dz_t.row(b).array();
        auto dh = d_h.row(b).array();
        auto dc = d_c.row(b).array();
        tanh_c = c_t.row(b).array().tanh();
        dc += dh * o * (1.0f - tanh_c * tanh_c);
        dzb.segment(0, H) = dc * j * i * (1.0f - i);
        dzb.segment(H, H) = dc * i * (1.0f - j * j);
        dzb.segment(2 * H, H) = dc * c_prev.row(b).array() * f * (1.0f - f);
        dzb.segment(3 * H, H) = dh * tanh_c * o * (1.0f - o);
        dc *= f;
      }
      d_h.noalias() = dz_t * w_h.transpose();  // at t = 0: the initial state's gradient
    }
    // Weight gradients: [x, h_prev, 1]^T @ dz summed over time, as three products over all steps.
    ConstMatrixMap dz_all = Rows(*dz, 0, T * B, 4 * H);
    MatrixMap dw_x = Rows(dw, 0, I, 4 * H), dw_h = Rows(dw, I * 4 * H, H, 4 * H);
    dw_x.noalias() = Rows(x, 0, T * B, I).transpose() * dz_all;
    dw_h.noalias() = Rows(h0, 0, B, H).transpose() * Rows(*dz, 0, B, 4 * H);
    if (T > 1) dw_h.noalias() += Rows(h, 0, (T - 1) * B, H).transpose() * Rows(*dz, B * 4 * H, (T - 1) * B, 4 * H);
    Rows(dw, (I + H) * 4 * H, 1, 4 * H) = dz_all.colwise().sum();
  }
};

}  // namespace

REGISTER_OP("Tf1RnnLstmSequence")
    .Input("x: float")
    .Input("kernel_bias: float")
    .Input("c0: float")
    .Input("h0: float")
    .Output("h: float")
    .Output("c: float")
    .Output("gates: float")
    .SetShapeFn([](tensorflow::shape_inference::InferenceContext* ctx) {
      auto x = ctx->input(0), w = ctx->input(1);
      tensorflow::shape_inference::DimensionHandle four_h = ctx->Dim(w, 1), hidden;
      TF_RETURN_IF_ERROR(ctx->Divide(four_h, 4, true, &hidden));
      auto steps = ctx->Dim(x, 0), batch = ctx->Dim(x, 1);
      ctx->set_output(0, ctx->MakeShape({steps, batch, hidden}));
      ctx->set_output(1, ctx->MakeShape({steps, batch, hidden}));
      ctx->set_output(2, ctx->MakeShape({steps, batch, four_h}));
      return absl::OkStatus();
    });

REGISTER_OP("Tf1RnnLstmSequenceGrad")
    .Input("x: float")
    .Input("kernel_bias: float")
    .Input("c0: float")
    .Input("h0: float")
    .Input("h: float")
    .Input("c: float")
    .Input("gates: float")
    .Input("dh: float")
    .Input("dc: float")
    .Output("dz: float")
    .Output("d_kernel_bias: float")
    .Output("dc0: float")
    .Output("dh0: float")
    .SetShapeFn([](tensorflow::shape_inference::InferenceContext* ctx) {
      ctx->set_output(0, ctx->input(6));
      ctx->set_output(1, ctx->input(1));
      ctx->set_output(2, ctx->input(2));
      ctx->set_output(3, ctx->input(3));
      return absl::OkStatus();
    });

REGISTER_KERNEL_BUILDER(Name("Tf1RnnLstmSequence").Device(tensorflow::DEVICE_CPU), LstmSequenceOp);
REGISTER_KERNEL_BUILDER(Name("Tf1RnnLstmSequenceGrad").Device(tensorflow::DEVICE_CPU), LstmSequenceGradOp);
