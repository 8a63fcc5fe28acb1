// The shop blueprint's script: namespaced under shop/ so no other folder can hide it.
export function total(items) {
  return items.reduce((sum, item) => sum + item.price * item.quantity, 0);
}
