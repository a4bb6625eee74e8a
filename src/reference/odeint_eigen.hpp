// Boost.Odeint with Eigen matrices as the state type.
//
// Include this instead of <boost/numeric/odeint/external/eigen/eigen.hpp>.
// odeint's Eigen support (vector_space_algebra, resizing, the infinity norm
// of the error estimate) is in that header; what it lacks is a fix for
// Eigen >= 3.4: Eigen 3.4 gave dense objects begin()/end(), so odeint's
// copy() takes an Eigen matrix for a Boost.Range and tries an element-wise
// range copy, which fails to compile for matrices
// ("YOU_TRIED_CALLING_A_VECTOR_METHOD_ON_A_MATRIX" in StlIterators.h).
// The specialisation below makes copy() plain assignment for every Eigen
// dense type, which is what it did with Eigen 3.3.
#pragma once

#include <type_traits>

#include <Eigen/Core>
#include <boost/numeric/odeint.hpp>
#include <boost/numeric/odeint/external/eigen/eigen.hpp>

namespace boost::numeric::odeint {

template <class From, class To>
struct copy_impl_sfinae<From, To, std::enable_if_t<std::is_base_of_v<Eigen::DenseBase<From>, From>>> {
  static void copy(const From& from, To& to) { to = from; }
};

}  // namespace boost::numeric::odeint
