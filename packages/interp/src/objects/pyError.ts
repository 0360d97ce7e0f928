/*
 * The exception a built-in operation raises, as data: the name of its built-in class
 * (`ValueError`, `OverflowError` ...) and CPython's message. The pure modules under
 * objects/ throw it; the evaluator turns it into a Python exception object.
 */

/** A Python exception raised by a built-in operation (`PyErr_SetString(PyExc_<type>, message)`). */
export class PyError extends Error {
  override readonly name = 'PyError';
  constructor(
    /** The built-in exception class: `ValueError`, `TypeError`, `OverflowError`, `ZeroDivisionError` ... */
    readonly pyType: string,
    message: string,
  ) {
    super(message);
  }
}
