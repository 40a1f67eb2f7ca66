// The browser half of workbook.widgets.DownloadLink.
//
// The file's bytes arrive as a binary buffer (no base64 in an HTML attribute, no size limit of
// data: URLs) and become a link to a Blob in this page; clicking it saves the file.

function render({ model, el }) {
  const link = document.createElement("a");
  link.className = "wb-download";
  link.style.fontWeight = "bold";
  let url = null;
  const draw = () => {
    if (url) {
      URL.revokeObjectURL(url);
      url = null;
    }
    const content = model.get("content");
    if (!content || content.byteLength === 0) {
      link.style.display = "none";
      return;
    }
    url = URL.createObjectURL(new Blob([content], { type: model.get("mime") }));
    link.href = url;
    link.download = model.get("filename");
    link.textContent = "⬇ " + model.get("label");
    link.style.display = "";
  };
  for (const name of ["content", "filename", "label", "mime"]) {
    model.on("change:" + name, draw);
  }
  draw();
  el.appendChild(link);
}

export default { render };
