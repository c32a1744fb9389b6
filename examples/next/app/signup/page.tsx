import { signup } from './actions';

export default function Signup() {
  return (
    <>
      <h1>Sign up</h1>
      <form action={signup}>
        <select name="plan" defaultValue="pro">
          <option value="free">Free</option>
          <option value="pro">Pro</option>
        </select>
        <button type="submit">Sign up</button>
      </form>
    </>
  );
}
