/** A named reference owner for tests. */
export class TestOwner {
  constructor(readonly name: string) {}
  refOwnerName(): string {
    return this.name;
  }
}
