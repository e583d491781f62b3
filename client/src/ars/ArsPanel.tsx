export function ArsPanel() {
  return <p>…</p>;
}
