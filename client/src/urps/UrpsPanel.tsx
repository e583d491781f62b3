export function UrpsPanel() {
  return <p>…</p>;
}
