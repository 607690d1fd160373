// What both kernels (lstm_sequence.cc, gru_sequence.cc) share: TensorFlow's op types, and row-major
// Eigen views over rows of a float tensor, so a step's matmul reads and writes the tensor in place.
#ifndef TF1_RNN_MATRIX_ROWS_H_
#define TF1_RNN_MATRIX_ROWS_H_

#include "Eigen/Core"
#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/shape_inference.h"

namespace {

using tensorflow::OpKernel;
using tensorflow::OpKernelConstruction;
using tensorflow::OpKernelContext;
using tensorflow::Tensor;
using tensorflow::TensorShape;
using tensorflow::errors::InvalidArgument;

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixMap = Eigen::Map<Matrix>;
using ConstMatrixMap = Eigen::Map<const Matrix>;

ConstMatrixMap Rows(const Tensor& t, int64_t offset, int64_t rows, int64_t cols) {
  return ConstMatrixMap(t.flat<float>().data() + offset, rows, cols);
}
MatrixMap Rows(Tensor* t, int64_t offset, int64_t rows, int64_t cols) {
  return MatrixMap(t->flat<float>().data() + offset, rows, cols);
}

}  // namespace

#endif  // TF1_RNN_MATRIX_ROWS_H_
