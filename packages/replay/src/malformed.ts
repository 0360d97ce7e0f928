/** A value that does not have the shape the format requires; `message` says where and what. */
export class Malformed extends Error {
  override readonly name = 'Malformed';
}
