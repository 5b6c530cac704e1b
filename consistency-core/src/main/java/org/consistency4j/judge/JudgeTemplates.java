package org.consistency4j.judge;

/**
 * The standard judge templates of the method (section 3). Each ends with {@code "Answer:"} so that the
 * model's next token is its verdict; {@link org.consistency4j.lm.YesNoTokens#defaults()} counts
 * {@code "Yes"} and {@code " Yes"} alike.
 */
public final class JudgeTemplates {
  private static final JudgeTemplate QUALITY =
      new JudgeTemplate(
          "quality",
          "Instruction: {instruction}\n"
              + "Input: {input}\n"
              + "Response: {response}\n\n"
              + "Does the response correctly follow the instruction for this input? "
              + "Answer Yes or No.\n"
              + "Answer:");

  private static final JudgeTemplate AGREEMENT =
      new JudgeTemplate(
          "agreement",
          "Instruction: {instruction}\n"
              + "Input: {input}\n"
              + "Response A: {response}\n"
              + "Response B: {other}\n\n"
              + "Do responses A and B give the same answer? Answer Yes or No.\n"
              + "Answer:");

  private static final JudgeTemplate SAME_ANSWER =
      new JudgeTemplate(
          "same-answer",
          "Response A: {response}\n"
              + "Response B: {other}\n\n"
              + "Do responses A and B give the same answer? Answer Yes or No.\n"
              + "Answer:");

  private JudgeTemplates() {}

  /**
   * The quality judge: does {@code {response}} correctly follow {@code {instruction}} for {@code
   * {input}}?
   */
  public static JudgeTemplate quality() {
    return QUALITY;
  }

  /**
   * The agreement judge: do {@code {response}} and {@code {other}}, two answers to {@code
   * {instruction}} for {@code {input}}, give the same answer?
   */
  public static JudgeTemplate agreement() {
    return AGREEMENT;
  }

  /**
   * The agreement judge without context, for comparing two responses alone ({@code {response}} and
   * {@code {other}} only), as the LLM-judge similarity of the consistency rate does.
   */
  public static JudgeTemplate sameAnswer() {
    return SAME_ANSWER;
  }
}
