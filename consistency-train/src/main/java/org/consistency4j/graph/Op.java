package org.consistency4j.graph;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The operator table: one constant per operator the library knows, with its facts in one place: how
 * the output dtypes follow from the inputs ({@link DtypeRule}), which shape rule infers the output
 * shapes ({@link ShapeRule}; the operator-specific rules are in the builder's inference), and whether
 * gradients flow through it ({@link #differentiable()}). {@link GraphBuilder} infers dtypes and shapes
 * through this table; the autodiff package keys its gradient rules by these constants. Thread-safe.
 */
public enum Op {
  ADD("", "Add", DtypeRule.SAME_AS_FIRST, ShapeRule.BROADCAST, true),
  SUB("", "Sub", DtypeRule.SAME_AS_FIRST, ShapeRule.BROADCAST, true),
  MUL("", "Mul", DtypeRule.SAME_AS_FIRST, ShapeRule.BROADCAST, true),
  DIV("", "Div", DtypeRule.SAME_AS_FIRST, ShapeRule.BROADCAST, true),
  NEG("", "Neg", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  POW("", "Pow", DtypeRule.SAME_AS_FIRST, ShapeRule.BROADCAST, true),
  SQRT("", "Sqrt", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  RECIPROCAL("", "Reciprocal", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  EXP("", "Exp", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  LOG("", "Log", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  SOFTMAX("", "Softmax", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  LOG_SOFTMAX("", "LogSoftmax", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  SIGMOID("", "Sigmoid", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  TANH("", "Tanh", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  RELU("", "Relu", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  MAX("", "Max", DtypeRule.SAME_AS_FIRST, ShapeRule.BROADCAST, true),
  MIN("", "Min", DtypeRule.SAME_AS_FIRST, ShapeRule.BROADCAST, true),
  SUM("", "Sum", DtypeRule.SAME_AS_FIRST, ShapeRule.BROADCAST, true),
  MEAN("", "Mean", DtypeRule.SAME_AS_FIRST, ShapeRule.BROADCAST, true),
  SOFTPLUS("", "Softplus", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  GATHER("", "Gather", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  GATHER_ELEMENTS("", "GatherElements", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  GATHER_ND("", "GatherND", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  SCATTER_ELEMENTS("", "ScatterElements", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  SCATTER_ND("", "ScatterND", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  TRANSPOSE("", "Transpose", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  RESHAPE("", "Reshape", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  CONCAT("", "Concat", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  SLICE("", "Slice", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  SPLIT("", "Split", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  SQUEEZE("", "Squeeze", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  UNSQUEEZE("", "Unsqueeze", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  EXPAND("", "Expand", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  IDENTITY("", "Identity", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  SIN("", "Sin", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  COS("", "Cos", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  CLIP("", "Clip", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  ABS("", "Abs", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  SIGN("", "Sign", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, false),
  TRILU("", "Trilu", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  CUM_SUM("", "CumSum", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  MAT_MUL("", "MatMul", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  GEMM("", "Gemm", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  REDUCE_SUM("", "ReduceSum", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  REDUCE_MEAN("", "ReduceMean", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  REDUCE_MAX("", "ReduceMax", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  REDUCE_MIN("", "ReduceMin", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  REDUCE_PROD("", "ReduceProd", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  REDUCE_SUM_SQUARE("", "ReduceSumSquare", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  REDUCE_LOG_SUM_EXP("", "ReduceLogSumExp", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  REDUCE_L1("", "ReduceL1", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  REDUCE_L2("", "ReduceL2", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  ERF("", "Erf", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  FLOOR("", "Floor", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, false),
  CEIL("", "Ceil", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, false),
  ROUND("", "Round", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, false),
  TILE("", "Tile", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  PAD("", "Pad", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  EINSUM("", "Einsum", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  GELU("", "Gelu", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  LEAKY_RELU("", "LeakyRelu", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  ELU("", "Elu", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  MOD("", "Mod", DtypeRule.SAME_AS_FIRST, ShapeRule.BROADCAST, true),
  FLATTEN("", "Flatten", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  RANGE("", "Range", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, false),
  RMS_NORMALIZATION("", "RMSNormalization", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  HARD_SIGMOID("", "HardSigmoid", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  SOFTSIGN("", "Softsign", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  ATAN("", "Atan", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  TAN("", "Tan", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  ASIN("", "Asin", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  ACOS("", "Acos", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  SINH("", "Sinh", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  COSH("", "Cosh", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  SELU("", "Selu", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  CELU("", "Celu", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  MISH("", "Mish", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  HARD_SWISH("", "HardSwish", DtypeRule.SAME_AS_FIRST, ShapeRule.UNARY, true),
  PRELU("", "PRelu", DtypeRule.SAME_AS_FIRST, ShapeRule.BROADCAST, true),
  RESIZE("", "Resize", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  DET("", "Det", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  FUSED_MAT_MUL("com.microsoft", "FusedMatMul", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  /**
   * ONNX Runtime's weight-only quantized matrix product: {@code A [..., K]} times the transpose of a
   * block-quantized {@code [N, K]} weight; output {@code [..., N]} (attribute {@code N}). Gradients
   * flow to {@code A} only, and autodiff has no rule for it (quantized models are for inference).
   */
  MAT_MUL_N_BITS("com.microsoft", "MatMulNBits", DtypeRule.SAME_AS_FIRST, ShapeRule.OPERATOR, true),
  EQUAL("", "Equal", DtypeRule.BOOL, ShapeRule.BROADCAST, false),
  LESS("", "Less", DtypeRule.BOOL, ShapeRule.BROADCAST, false),
  GREATER("", "Greater", DtypeRule.BOOL, ShapeRule.BROADCAST, false),
  LESS_OR_EQUAL("", "LessOrEqual", DtypeRule.BOOL, ShapeRule.BROADCAST, false),
  GREATER_OR_EQUAL("", "GreaterOrEqual", DtypeRule.BOOL, ShapeRule.BROADCAST, false),
  NOT("", "Not", DtypeRule.BOOL, ShapeRule.UNARY, false),
  AND("", "And", DtypeRule.BOOL, ShapeRule.BROADCAST, false),
  OR("", "Or", DtypeRule.BOOL, ShapeRule.BROADCAST, false),
  XOR("", "Xor", DtypeRule.BOOL, ShapeRule.BROADCAST, false),
  IS_NAN("", "IsNaN", DtypeRule.BOOL, ShapeRule.UNARY, false),
  IS_INF("", "IsInf", DtypeRule.BOOL, ShapeRule.UNARY, false),
  SHAPE("", "Shape", DtypeRule.INT64, ShapeRule.OPERATOR, false),
  SIZE("", "Size", DtypeRule.INT64, ShapeRule.OPERATOR, false),
  ARG_MAX("", "ArgMax", DtypeRule.INT64, ShapeRule.OPERATOR, false),
  ARG_MIN("", "ArgMin", DtypeRule.INT64, ShapeRule.OPERATOR, false),
  NON_ZERO("", "NonZero", DtypeRule.INT64, ShapeRule.OPERATOR, false),
  WHERE("", "Where", DtypeRule.OPERATOR, ShapeRule.BROADCAST, true),
  CAST("", "Cast", DtypeRule.OPERATOR, ShapeRule.UNARY, true),
  CAST_LIKE("", "CastLike", DtypeRule.OPERATOR, ShapeRule.UNARY, true),
  CONSTANT_OF_SHAPE("", "ConstantOfShape", DtypeRule.OPERATOR, ShapeRule.OPERATOR, false),
  CONSTANT("", "Constant", DtypeRule.OPERATOR, ShapeRule.OPERATOR, false),
  ONE_HOT("", "OneHot", DtypeRule.OPERATOR, ShapeRule.OPERATOR, true),
  TOP_K("", "TopK", DtypeRule.OPERATOR, ShapeRule.OPERATOR, true),
  IF("", "If", DtypeRule.OPERATOR, ShapeRule.OPERATOR, true),
  LOOP("", "Loop", DtypeRule.OPERATOR, ShapeRule.OPERATOR, true),
  DROPOUT("", "Dropout", DtypeRule.OPERATOR, ShapeRule.UNARY, true),
  LAYER_NORMALIZATION("", "LayerNormalization", DtypeRule.OPERATOR, ShapeRule.UNARY, true),
  RANDOM_UNIFORM_LIKE("", "RandomUniformLike", DtypeRule.UNKNOWN, ShapeRule.OPERATOR, false),
  RANDOM_NORMAL_LIKE("", "RandomNormalLike", DtypeRule.UNKNOWN, ShapeRule.OPERATOR, false),
  RANDOM_UNIFORM("", "RandomUniform", DtypeRule.UNKNOWN, ShapeRule.OPERATOR, false),
  RANDOM_NORMAL("", "RandomNormal", DtypeRule.UNKNOWN, ShapeRule.OPERATOR, false),
  EYE_LIKE("", "EyeLike", DtypeRule.UNKNOWN, ShapeRule.OPERATOR, false);

  /** How the output dtypes of an operator are decided. */
  public enum DtypeRule {
    /** Every output has the dtype of input 0. */
    SAME_AS_FIRST,
    /** Every output is BOOL. */
    BOOL,
    /** Every output is INT64. */
    INT64,
    /** A rule of the operator's own (attributes, other inputs, subgraphs). */
    OPERATOR,
    /** Not inferable: nodes must be given their output dtypes. */
    UNKNOWN
  }

  /** How the output shapes of an operator are inferred. */
  public enum ShapeRule {
    /** The output has the shape of input 0. */
    UNARY,
    /** The numpy broadcast of every input's shape. */
    BROADCAST,
    /** A rule of the operator's own (or none: unknown shapes). */
    OPERATOR
  }

  private static final Map<String, Op> BY_NAME = new HashMap<>();

  static {
    for (Op op : values()) {
      BY_NAME.put(op.onnxName, op);
    }
  }

  private final String domain;
  private final String onnxName;
  private final DtypeRule dtypeRule;
  private final ShapeRule shapeRule;
  private final boolean differentiable;

  Op(String domain, String onnxName, DtypeRule dtypeRule, ShapeRule shapeRule, boolean differentiable) {
    this.domain = domain;
    this.onnxName = onnxName;
    this.dtypeRule = dtypeRule;
    this.shapeRule = shapeRule;
    this.differentiable = differentiable;
  }

  /**
   * The operator {@code opType} of {@code domain} ({@code ""} or {@code "ai.onnx"} is the default
   * domain, where the contrib operators of the table are also found), if the table has it.
   */
  public static Optional<Op> of(String domain, String opType) {
    Op op = BY_NAME.get(opType);
    boolean defaultDomain = domain.isEmpty() || domain.equals("ai.onnx");
    if (op == null || !(defaultDomain || domain.equals(op.domain))) {
      return Optional.empty();
    }
    return Optional.of(op);
  }

  /** The operator's domain: {@code ""} for {@code ai.onnx}. */
  public String domain() {
    return domain;
  }

  /** The ONNX operator type, for example {@code "MatMul"}. */
  public String onnxName() {
    return onnxName;
  }

  /** How output dtypes are decided. */
  public DtypeRule dtypeRule() {
    return dtypeRule;
  }

  /** How output shapes are inferred. */
  public ShapeRule shapeRule() {
    return shapeRule;
  }

  /**
   * False for operators whose outputs carry no gradient (comparisons, Shape, rounding, constants,
   * random values): autodiff stops there. True does not promise a gradient rule.
   */
  public boolean differentiable() {
    return differentiable;
  }
}
