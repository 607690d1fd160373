// GRUCell's function (TF1's legacy GRUCell, tanh) over a whole sequence as two TensorFlow ops,
// forward and gradient, on the LSTM op's design (lstm_sequence.cc): each op runs its whole
// recurrence on one core with Eigen's matrix product, one op per part of the batch.
//
// Layout, row-major: x [T, B, I]; kernel_bias [I + H + 1, 3H], rows x | h | bias, columns
// r | u (GRUCell's gates/kernel) | c (its candidate/kernel). The c columns' h rows multiply
// r * h, not h: GRUCell resets the state before the candidate's matmul. gates holds the
// activated r, u, c of every step.
//   r, u = sigmoid([x, h] W_g + b_g);  c = tanh([x, r * h] W_c + b_c);  h' = u * h + (1 - u) * c
#include "matrix_rows.h"

namespace {

// Both ops take x, kernel_bias and h0 first: their sizes are checked here, once.
class GruKernel : public OpKernel {
 public:
  explicit GruKernel(OpKernelConstruction* ctx) : OpKernel(ctx) {}

  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    const Tensor& w = ctx->input(1);
    const Tensor& h0 = ctx->input(2);
    OP_REQUIRES(ctx, x.dims() == 3, InvalidArgument("x must be [time, batch, input], got ", x.shape().DebugString()));
    OP_REQUIRES(ctx, w.dims() == 2 && w.dim_size(1) % 3 == 0,
                InvalidArgument("kernel_bias must be [input + H + 1, 3H], got ", w.shape().DebugString()));
    const int64_t T = x.dim_size(0), B = x.dim_size(1), I = x.dim_size(2), H = w.dim_size(1) / 3;
    OP_REQUIRES(ctx, w.dim_size(0) == I + H + 1,
                InvalidArgument("kernel_bias has ", w.dim_size(0), " rows; x's depth ", I, " + H ", H,
                                " + 1 expected"));
    OP_REQUIRES(ctx, h0.dims() == 2 && h0.dim_size(0) == B && h0.dim_size(1) == H,
                InvalidArgument("initial state must be [batch, H], got ", h0.shape().DebugString()));
    Run(ctx, T, B, I, H, x, w, h0);
  }

 private:
  virtual void Run(OpKernelContext* ctx, int64_t T, int64_t B, int64_t I, int64_t H, const Tensor& x,
                   const Tensor& w, const Tensor& h0) = 0;
};

class GruSequenceOp : public GruKernel {
 public:
  using GruKernel::GruKernel;

 private:
  void Run(OpKernelContext* ctx, int64_t T, int64_t B, int64_t I, int64_t H, const Tensor& x, const Tensor& w,
           const Tensor& h0) override {
    Tensor *h, *gates;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({T, B, H}), &h));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, TensorShape({T, B, 3 * H}), &gates));
    if (T == 0 || B == 0) return;
    ConstMatrixMap w_x = Rows(w, 0, I, 3 * H), w_h = Rows(w, I * 3 * H, H, 3 * H);
    ConstMatrixMap bias_row = Rows(w, (I + H) * 3 * H, 1, 3 * H);
    auto bias = bias_row.row(0).array();
    Matrix reset_h(B, H);  // r * h_prev, the candidate's recurrent input
    // The input part of every step's pre-activations, gates and candidate, in one product.
    Rows(gates, 0, T * B, 3 * H).noalias() = Rows(x, 0, T * B, I) * w_x;
    for (int64_t t = 0; t < T; ++t) {
      ConstMatrixMap h_prev = t ? Rows(*h, (t - 1) * B * H, B, H) : Rows(h0, 0, B, H);
      MatrixMap z = Rows(gates, t * B * 3 * H, B, 3 * H);
      z.leftCols(2 * H).noalias() += h_prev * w_h.leftCols(2 * H);
      for (int64_t b = 0; b < B; ++b) {
        auto zb = z.row(b).array();
        zb.segment(0, 2 * H) = (zb.segment(0, 2 * H) + bias.segment(0, 2 * H)).logistic();
        reset_h.row(b).array() = zb.segment(0, H) * h_prev.row(b).array();
      }
      z.rightCols(H).noalias() += reset_h * w_h.rightCols(H);
      MatrixMap h_t = Rows(h, t * B * H, B, H);
      for (int64_t b = 0; b < B; ++b) {
        auto zb = z.row(b).array();
        zb.segment(2 * H, H) = (zb.segment(2 * H, H) + bias.segment(2 * H, H)).tanh();
        auto u = zb.segment(H, H), c = zb.segment(2 * H, H);
        h_t.row(b).array() = u * h_prev.row(b).array() + (1.0f - u) * c;
      }
    }
  }
};

class GruSequenceGradOp : public GruKernel {
 public:
  using GruKernel::GruKernel;

 private:
  void Run(OpKernelContext* ctx, int64_t T, int64_t B, int64_t I, int64_t H, const Tensor& x, const Tensor& w,
           const Tensor& h0) override {
    const Tensor& h = ctx->input(3);
    const Tensor& gates = ctx->input(4);
    const Tensor& dh_out = ctx->input(5);  // [T or 1, B, H]: 1 when only the last output is read
    OP_REQUIRES(ctx, h.dims() == 3 && h.dim_size(0) == T && h.dim_size(1) == B && h.dim_size(2) == H,
                InvalidArgument("h must be [time, batch, H], got ", h.shape().DebugString()));
    OP_REQUIRES(ctx, gates.dims() == 3 && gates.dim_size(0) == T && gates.dim_size(1) == B &&
                         gates.dim_size(2) == 3 * H,
                InvalidArgument("gates must be [time, batch, 3H], got ", gates.shape().DebugString()));
    OP_REQUIRES(ctx, dh_out.dims() == 3 && (dh_out.dim_size(0) == T || dh_out.dim_size(0) == 1) &&
                         dh_out.dim_size(1) == B && dh_out.dim_size(2) == H,
                InvalidArgument("output gradients must be [time or 1, batch, H], got ", dh_out.shape().DebugString()));
    Tensor *dz, *dw, *dh0;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({T, B, 3 * H}), &dz));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, w.shape(), &dw));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(2, TensorShape({B, H}), &dh0));
    MatrixMap d_h = Rows(dh0, 0, B, H);  // carried from step t + 1 to t
    d_h.setZero();
    Rows(dw, 0, I + H + 1, 3 * H).setZero();
    if (T == 0 || B == 0) return;
    ConstMatrixMap w_h = Rows(w, I * 3 * H, H, 3 * H);
    const int64_t h_steps = dh_out.dim_size(0);
    Matrix reset_h(T * B, H);  // r * h_prev of every step, for the candidate kernel's gradient
    Matrix d_reset_h(B, H);
    for (int64_t t = T - 1; t >= 0; --t) {
      if (h_steps == T || t == T - 1) d_h += Rows(dh_out, (h_steps == T ? t : 0) * B * H, B, H);
      ConstMatrixMap g = Rows(gates, t * B * 3 * H, B, 3 * H);
      ConstMatrixMap h_prev = t ? Rows(h, (t - 1) * B * H, B, H) : Rows(h0, 0, B, H);
      MatrixMap dz_t = Rows(dz, t * B * 3 * H, B, 3 * H);
      for (int64_t b = 0; b < B; ++b) {  // u and c first: the reset gate's needs the candidate's
        auto gb = g.row(b).array();
        auto u = gb.segment(H, H), c = gb.segment(2 * H, H);
        auto dh = d_h.row(b).array();
        auto dzb = dz_t.row(b).array();
        dzb.segment(H, H) = dh * (h_prev.row(b).array() - c) * u * (1.0f - u);
        dzb.segment(2 * H, H) = dh * (1.0f - u) * (1.0f - c * c);
      }
      d_reset_h.noalias() = dz_t.rightCols(H) * w_h.rightCols(H).transpose();
      for (int64_t b = 0; b < B; ++b) {
        auto gb = g.row(b).array();
        auto r = gb.segment(0, H), u = gb.segment(H, H);
        auto hp = h_prev.row(b).array();
        auto drh = d_reset_h.row(b).array();
        dz_t.row(b).array().segment(0, H) = drh * hp * r * (1.0f - r);
        reset_h.row(t * B + b).array() = r * hp;
        d_h.row(b).array() = d_h.row(b).array() * u + drh * r;  // h_prev's direct paths
      }
      d_h.noalias() += dz_t.leftCols(2 * H) * w_h.leftCols(2 * H).transpose();  // at t = 0: dh0
    }
    // Weight gradients summed over time, as products over all steps: x^T dz for the input rows,
    // h_prev^T dz_gates and (r * h_prev)^T dz_candidate for the recurrent ones, sum(dz) for the bias.
    ConstMatrixMap dz_all = Rows(*dz, 0, T * B, 3 * H);
    MatrixMap dw_x = Rows(dw, 0, I, 3 * H), dw_h = Rows(dw, I * 3 * H, H, 3 * H);
    dw_x.noalias() = Rows(x, 0, T * B, I).transpose() * dz_all;
    dw_h.leftCols(2 * H).noalias() = Rows(h0, 0, B, H).transpose() * Rows(*dz, 0, B, 3 * H).leftCols(2 * H);
    if (T > 1) {
      dw_h.leftCols(2 * H).noalias() +=
          Rows(h, 0, (T - 1) * B, H).transpose() * Rows(*dz, B * 3 * H, (T - 1) * B, 3 * H).leftCols(2 * H);
    }
    dw_h.rightCols(H).noalias() = reset_h.transpose() * dz_all.rightCols(H);
    Rows(dw, (I + H) * 3 * H, 1, 3 * H) = dz_all.colwise().sum();
  }
};

}  // namespace

REGISTER_OP("Tf1RnnGruSequence")
    .Input("x: float")
    .Input("kernel_bias: float")
    .Input("h0: float")
    .Output("h: float")
    .Output("gates: float")
    .SetShapeFn([](tensorflow::shape_inference::InferenceContext* ctx) {
      auto x = ctx->input(0), w = ctx->input(1);
      tensorflow::shape_inference::DimensionHandle three_h = ctx->Dim(w, 1), hidden;
      TF_RETURN_IF_ERROR(ctx->Divide(three_h, 3, true, &hidden));
      auto steps = ctx->Dim(x, 0), batch = ctx->Dim(x, 1);
      ctx->set_output(0, ctx->MakeShape({steps, batch, hidden}));
      ctx->set_output(1, ctx->MakeShape({steps, batch, three_h}));
      return absl::OkStatus();
    });

REGISTER_OP("Tf1RnnGruSequenceGrad")
    .Input("x: float")
    .Input("kernel_bias: float")
    .Input("h0: float")
    .Input("h: float")
    .Input("gates: float")
    .Input("dh: float")
    .Output("dz: float")
    .Output("d_kernel_bias: float")
    .Output("dh0: float")
    .SetShapeFn([](tensorflow::shape_inference::InferenceContext* ctx) {
      ctx->set_output(0, ctx->input(4));
      ctx->set_output(1, ctx->input(1));
      ctx->set_output(2, ctx->input(2));
      return absl::OkStatus();
    });

REGISTER_KERNEL_BUILDER(Name("Tf1RnnGruSequence").Device(tensorflow::DEVICE_CPU), GruSequenceOp);
REGISTER_KERNEL_BUILDER(Name("Tf1RnnGruSequenceGrad").Device(tensorflow::DEVICE_CPU), GruSequenceGradOp);
