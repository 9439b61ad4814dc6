/** The sign-in page (when the server runs with authentication, the default). */
import { ApiFailure, post } from "../api.js";
import { t } from "../i18n.js";

export function loginPage(main: HTMLElement, next: string): void {
  const heading = document.createElement("h1");
  heading.textContent = t("login.heading");
  const form = document.createElement("form");
  form.className = "login";
  const field = (name: string, label: string, type: string, autocomplete: AutoFill) => {
    const wrapper = document.createElement("label");
    const caption = document.createElement("span");
    caption.textContent = label;
    const input = document.createElement("input");
    input.name = name;
    input.type = type;
    input.required = true;
    input.autocomplete = autocomplete;
    wrapper.append(caption, input);
    return wrapper;
  };
  const message = document.createElement("p");
  message.className = "error";
  message.setAttribute("role", "alert");
  const submit = document.createElement("button");
  submit.type = "submit";
  submit.textContent = t("login.submit");
  form.append(
    field("email", t("login.email"), "email", "username"),
    field("password", t("login.password"), "password", "current-password"),
    message,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    submit.disabled = true;
    message.textContent = "";
    try {
      await post("/api/login", { email: String(data.get("email")), password: String(data.get("password")) });
      // Only a path on this site: a crafted ?next= must not send the reader elsewhere.
      location.assign(next.startsWith("/") && !next.startsWith("//") ? next : "/");
    } catch (error) {
      message.textContent =
        error instanceof ApiFailure && error.status === 429 ? t("login.tooMany") : t("login.failed");
      submit.disabled = false;
    }
  });
  main.replaceChildren(heading, form);
  main.dataset.ready = "all";
}
