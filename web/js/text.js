// The API's messages name fields, commands and headers between backticks, as Markdown's
// inline code: shown as <code>, never as raw backticks. Built from text nodes, so nothing
// in a message is read as HTML.

export function setText(element, text) {
  element.replaceChildren();
  String(text ?? "")
    .split(/`([^`]+)`/)
    .forEach((part, i) => {
      if (i % 2 === 0) element.append(part);
      else element.append(Object.assign(document.createElement("code"), { textContent: part }));
    });
}
